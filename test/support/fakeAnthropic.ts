/**
 * A local stand-in for the Anthropic Messages API, good enough for the real `claude` CLI to run a
 * whole session against it offline (ANTHROPIC_BASE_URL=api.url). Replies are scripted per request;
 * every request is recorded so tests can assert on what the CLI actually sent.
 *
 * Facts this relies on are in test/fixtures/cli/README.md.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReplyBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string }
  | { type: 'thinking'; thinking: string };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface Reply {
  blocks: ReplyBlock[];
  /** Default: `tool_use` if any block is a tool_use, else `end_turn`. */
  stopReason?: 'end_turn' | 'tool_use' | 'max_tokens';
  usage?: Usage;
  /** Pause between streamed deltas (to test interrupt while streaming). */
  chunkDelayMs?: number;
  /** Characters per text/thinking/json delta. Default: the whole string in one delta. */
  chunkSize?: number;
  /** Rewrites each text delta as it is sent (a bench stamps the send time into it). */
  textDelta?: (piece: string) => string;
  /** Answer with this HTTP error status instead (e.g. 500, 529 overloaded). The CLI retries 5xx/529/429. */
  status?: number;
  /** With `status`: the error body's `type` and `message` (default: the type the real API uses for that status). */
  error?: { type: string; message: string };
  /** Accept the request and never answer (until close() or the client aborts). */
  hang?: boolean;
  /**
   * Extra response headers, e.g. the plan's rate-limit headers (`rateLimitHeaders()`), which the
   * CLI turns into `rate_limit_event` lines when it runs on a claude.ai login.
   */
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when the request had none). */
  body: any;
  /**
   * A real conversation turn, as opposed to a side call (title generation, quota probe...).
   * The CLI sends its main turns with the full tool list and its agent system prompt; side calls
   * carry no tools. See isMainTurnBody() and the fixtures README.
   */
  isMainTurn: boolean;
  /** Last text of the LAST user message, CLI bookkeeping skipped ('' when that message holds only tool_results). */
  latestUserText: string;
  /** tool_result blocks in the last user message. */
  toolResults: Array<{ tool_use_id: string; content: string; is_error: boolean }>;
  /** Every user text in the conversation, oldest first, CLI bookkeeping skipped (see userTexts). */
  allUserTexts: string[];
}

export type Responder = (req: RecordedRequest) => Reply | Promise<Reply>;

const DEFAULT_USAGE: Usage = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

/** The error `type` the real Messages API sends with each status (docs.anthropic.com, "Errors"). */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** What the real API answers a request for a model it does not know: 404 `not_found_error`, "model: <name>". */
export function modelNotFound(model: string): Reply {
  return { blocks: [], status: 404, error: { type: 'not_found_error', message: `model: ${model}` } };
}

/** What the real API answers a bad API key: 401 `authentication_error`. */
export function authenticationFailed(): Reply {
  return { blocks: [], status: 401, error: { type: 'authentication_error', message: 'invalid x-api-key' } };
}

/**
 * Main turns for a model in `unknown` get modelNotFound (as the real API does); the rest go to
 * `next`. A session started with a bad model fails every turn until its model is changed.
 */
export function rejectingModels(unknown: readonly string[], next: Responder = defaultResponder): Responder {
  return (req) => {
    const model = String(req.body?.model ?? '');
    if (req.isMainTurn && unknown.some((m) => model === m || model.startsWith(`${m}[`))) return modelNotFound(model);
    return next(req);
  };
}

export const defaultResponder: Responder = (req) => ({
  blocks: [{ type: 'text', text: `You said: ${req.latestUserText}` }],
});

/** What a side call (title generation and the like) gets: a short text, JSON-shaped when the call asks for JSON. */
export function sideCallReply(req: RecordedRequest): Reply {
  const system = systemText(req.body);
  if (/json/i.test(system)) return { blocks: [{ type: 'text', text: '{"title":"Test session"}' }] };
  return { blocks: [{ type: 'text', text: 'Test session' }] };
}

/**
 * Main turns consume `replies` in order; side calls get sideCallReply(). Once the script runs out,
 * main turns get a text reply saying so (a test that hits it asserts on more turns than it scripted).
 */
export function script(...replies: Reply[]): Responder {
  const queue = [...replies];
  return (req) => {
    if (!req.isMainTurn) return sideCallReply(req);
    return queue.shift() ?? { blocks: [{ type: 'text', text: '(fake API: script exhausted)' }] };
  };
}

export interface RateLimitScript {
  /** Five-hour window: utilization as a fraction (0.85 = 85 %), reset time in ms. */
  fiveHour?: { utilization: number; resetsAt: number };
  sevenDay?: { utilization: number; resetsAt: number };
  /** `allowed_warning` past a threshold, `rejected` at the limit; default `allowed`. */
  status?: 'allowed' | 'allowed_warning' | 'rejected';
  /** With `allowed_warning`: the threshold passed (a fraction), for `<claim>-surpassed-threshold`. */
  surpassedThreshold?: number;
  /** The window the status is about: `five_hour` (default) or `seven_day`. */
  claim?: 'five_hour' | 'seven_day';
}

/**
 * The claude.ai plan's rate-limit headers, as the API sends them to a subscription login (names
 * from the pinned CLI's own parser: `anthropic-ratelimit-unified-{status,reset,representative-claim}`
 * and per window `anthropic-ratelimit-unified-{5h,7d}-{utilization,reset,surpassed-threshold}`,
 * reset times in epoch seconds). The CLI turns them into `rate_limit_event` lines and seeds
 * `get_usage` with them; it ignores them on an API key.
 */
export function rateLimitHeaders(s: RateLimitScript): Record<string, string> {
  const claim = s.claim ?? 'five_hour';
  const abbrev = { five_hour: '5h', seven_day: '7d' } as const;
  const h: Record<string, string> = { 'anthropic-ratelimit-unified-status': s.status ?? 'allowed', 'anthropic-ratelimit-unified-representative-claim': claim };
  const claimed = claim === 'five_hour' ? s.fiveHour : s.sevenDay;
  if (claimed) h['anthropic-ratelimit-unified-reset'] = String(Math.floor(claimed.resetsAt / 1000));
  for (const [kind, w] of [['five_hour', s.fiveHour], ['seven_day', s.sevenDay]] as const) {
    if (!w) continue;
    h[`anthropic-ratelimit-unified-${abbrev[kind]}-utilization`] = String(w.utilization);
    h[`anthropic-ratelimit-unified-${abbrev[kind]}-reset`] = String(Math.floor(w.resetsAt / 1000));
  }
  if (s.status === 'allowed_warning' && s.surpassedThreshold !== undefined) h[`anthropic-ratelimit-unified-${abbrev[claim]}-surpassed-threshold`] = String(s.surpassedThreshold);
  return h;
}

export class FakeAnthropicApi {
  readonly requests: RecordedRequest[] = [];
  private responder: Responder;
  private readonly open = new Set<http.ServerResponse>();
  private readonly listeners = new Set<(req: RecordedRequest) => void>();
  private idCounter = 0;

  private constructor(private readonly server: http.Server, readonly url: string, responder: Responder) {
    this.responder = responder;
  }

  static async start(responder: Responder = defaultResponder): Promise<FakeAnthropicApi> {
    // Node closes an idle keep-alive socket after 5 s; the CLI may reuse one at that very moment
    // (a turn that waited on a permission ask for about that long) and gets ECONNRESET, which
    // it reports as "Unable to connect to API". The real API keeps connections far longer, so
    // this one never closes them for idleness; close() ends them all.
    const server = http.createServer({ keepAliveTimeout: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const api = new FakeAnthropicApi(server, `http://127.0.0.1:${port}`, responder);
    server.on('request', (req, res) => {
      api.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(err) } }));
      });
    });
    return api;
  }

  get mainTurns(): RecordedRequest[] {
    return this.requests.filter((r) => r.isMainTurn);
  }

  setResponder(r: Responder): void {
    this.responder = r;
  }

  /** Called for every request as it is recorded, before it is answered. Returns an unsubscribe function. */
  onRequest(listener: (req: RecordedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `n` main turns have been received (useful to interrupt at the right moment). */
  async waitForMainTurns(n: number, timeoutMs = 30_000): Promise<RecordedRequest> {
    const deadline = Date.now() + timeoutMs;
    while (this.mainTurns.length < n) {
      if (Date.now() > deadline) throw new Error(`fake API: waited ${timeoutMs} ms for ${n} main turns, saw ${this.mainTurns.length}`);
      await sleep(20);
    }
    return this.mainTurns[n - 1]!;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.open.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: any;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';

    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      this.record(method, path, req, body);
      return json(res, 200, undefined, { input_tokens: estimateTokens(body) });
    }
    if (method === 'POST' && path === '/v1/messages') {
      const recorded = this.record(method, path, req, body);
      const reply = await this.responder(recorded);
      return this.answer(req, res, recorded, reply);
    }
    this.record(method, path, req, body);
    // The CLI probes reachability with HEAD on the base URL.
    if (method === 'HEAD' || (method === 'GET' && path === '/')) {
      res.writeHead(200);
      return void res.end();
    }
    json(res, 404, undefined, { type: 'error', error: { type: 'not_found_error', message: `fake API: no route for ${method} ${path}` } });
  }

  private record(method: string, path: string, req: http.IncomingMessage, body: any): RecordedRequest {
    const r: RecordedRequest = {
      method,
      path,
      headers: { ...req.headers },
      body,
      isMainTurn: path === '/v1/messages' && isMainTurnBody(body),
      ...readConversation(body),
    };
    this.requests.push(r);
    for (const l of this.listeners) l(r);
    return r;
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, recorded: RecordedRequest, reply: Reply): Promise<void> {
    if (reply.hang) {
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      return;
    }
    if (reply.status !== undefined && reply.status >= 400) {
      const error = reply.error ?? { type: ERROR_TYPES[reply.status] ?? 'api_error', message: `fake API: scripted ${reply.status}` };
      return json(res, reply.status, { 'request-id': `req_fake_${++this.idCounter}`, ...reply.headers }, { type: 'error', error, request_id: `req_fake_${this.idCounter}` });
    }
    const model: string = recorded.body?.model ?? 'claude-sonnet-4-5';
    const usage = { ...DEFAULT_USAGE, ...reply.usage };
    const content = reply.blocks.map((b) => this.materialise(b));
    const stopReason = reply.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
    const messageId = `msg_fake_${++this.idCounter}`;

    if (recorded.body?.stream !== true) {
      return json(res, 200, reply.headers, {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      });
    }

    this.open.add(res);
    let aborted = false;
    res.on('close', () => {
      aborted = !res.writableFinished;
      this.open.delete(res);
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': `req_fake_${this.idCounter}`,
      ...reply.headers,
    });
    const send = async (event: string, data: unknown, delay = false): Promise<boolean> => {
      if (aborted || res.destroyed) return false;
      if (delay && reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      if (aborted || res.destroyed) return false;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      return true;
    };

    await send('message_start', {
      type: 'message_start',
      message: {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    for (const [index, block] of content.entries()) {
      if (block.type === 'text') {
        await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        for (const piece of chunks(block.text, reply.chunkSize)) {
          const text = reply.textDelta ? await sleep(reply.chunkDelayMs ?? 0).then(() => reply.textDelta!(piece)) : piece;
          if (!(await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }, !reply.textDelta))) return;
        }
      } else if (block.type === 'thinking') {
        await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
        for (const piece of chunks(block.thinking, reply.chunkSize)) {
          if (!(await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } }, true))) return;
        }
        await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
      } else {
        await send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        for (const piece of chunks(JSON.stringify(block.input), reply.chunkSize)) {
          if (!(await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }, true))) return;
        }
      }
      await send('content_block_stop', { type: 'content_block_stop', index });
    }
    await send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    await send('message_stop', { type: 'message_stop' });
    if (!res.destroyed) res.end();
  }

  private materialise(b: ReplyBlock):
    | { type: 'text'; text: string }
    | { type: 'thinking'; thinking: string; signature: string }
    | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> } {
    switch (b.type) {
      case 'text':
        return { type: 'text', text: b.text };
      case 'thinking':
        return { type: 'thinking', thinking: b.thinking, signature: `sig_fake_${++this.idCounter}` };
      case 'tool_use':
        return { type: 'tool_use', id: b.id ?? `toolu_fake_${++this.idCounter}`, name: b.name, input: b.input };
    }
  }
}

/**
 * Main turns carry the agent's tool list; side calls (title generation, quota probes) do not.
 */
export function isMainTurnBody(body: any): boolean {
  return Array.isArray(body?.tools) && body.tools.length > 0;
}

function readConversation(body: any): Pick<RecordedRequest, 'latestUserText' | 'toolResults' | 'allUserTexts'> {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const userMessages = messages.filter((m) => m?.role === 'user');
  const allUserTexts = userMessages.flatMap((m) => userTexts(m.content));
  const last = userMessages.at(-1);
  const lastTexts = last ? userTexts(last.content) : [];
  const toolResults: RecordedRequest['toolResults'] = [];
  if (last && Array.isArray(last.content)) {
    for (const block of last.content) {
      if (block?.type !== 'tool_result') continue;
      toolResults.push({ tool_use_id: String(block.tool_use_id), content: flattenContent(block.content), is_error: block.is_error === true });
    }
  }
  return { latestUserText: lastTexts.at(-1) ?? '', toolResults, allUserTexts };
}

/**
 * Texts a person typed: string content or text blocks, minus the CLI's own bookkeeping (context
 * reminders, slash-command echoes such as set_model's `/model`). Trailing whitespace is trimmed:
 * when the CLI merges consecutive user messages into one request it appends "\n" to each.
 * The CLI's interrupt markers ("[Request interrupted by user]") are kept: the model sees them.
 */
function userTexts(content: unknown): string[] {
  const texts =
    typeof content === 'string'
      ? [content]
      : Array.isArray(content)
        ? content.filter((b) => b?.type === 'text' && typeof b.text === 'string').map((b) => b.text as string)
        : [];
  return texts.filter((t) => !isCliBookkeeping(t)).map((t) => t.trimEnd());
}

const BOOKKEEPING = /^\s*<(system-reminder|local-command-caveat|local-command-stdout|local-command-stderr|command-name|command-message)>/;

function isCliBookkeeping(text: string): boolean {
  return BOOKKEEPING.test(text);
}

function flattenContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c?.text === 'string' ? c.text : '')).join('');
  return '';
}

function systemText(body: any): string {
  const s = body?.system;
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return s.map((b) => (typeof b?.text === 'string' ? b.text : '')).join('\n');
  return '';
}

function estimateTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? '').length / 4));
}

function chunks(s: string, size: number | undefined): string[] {
  if (!size || size <= 0 || s.length <= size) return [s];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function json(res: http.ServerResponse, status: number, headers: Record<string, string> | undefined, data: unknown): void {
  const payload = JSON.stringify(data);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
