/**
 * Sessions as MCP resources: the list, one session (state and metrics), and its readable
 * transcript. Clients that subscribe hear `resources/updated` when one changes, and every client
 * hears `resources/list_changed` when a session appears.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { DisposableStore, type Disposable } from '../core/lifecycle.js';
import { safeText } from '../core/transcript/safeText.js';
import type { ShannonMcpDeps } from './deps.js';
import { renderText } from '../core/transcript/render.js';
import { sessionSummary } from './format.js';

export const SESSIONS_URI = 'shannon://sessions';
export const sessionUri = (id: string) => `shannon://sessions/${encodeURIComponent(id)}`;
export const transcriptUri = (id: string) => `${sessionUri(id)}/transcript`;

const LIST_LIMIT = 200;
const TRANSCRIPT_MAX_CHARS = 2_000_000;
const TRANSCRIPT_PAGE = 500;
const NOTIFY_DELAY_MS = 200;
/** JSON-RPC "resource not found" (MCP spec). */
const RESOURCE_NOT_FOUND = -32002 as ErrorCode;

export function registerResources(server: McpServer, deps: ShannonMcpDeps): Disposable {
  const { sessions } = deps;
  const disposables = new DisposableStore();

  const record = (id: unknown) => {
    const r = typeof id === 'string' ? sessions.get(decodeURIComponent(id)) : undefined;
    if (!r) throw new McpError(RESOURCE_NOT_FOUND, `There is no session with id "${String(id)}".`);
    return r;
  };

  server.registerResource(
    'sessions',
    SESSIONS_URI,
    { title: 'Claude Code sessions', description: 'Every session Shannon knows, newest activity first, with state and metrics (JSON).', mimeType: 'application/json' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: safeText(JSON.stringify(sessions.list({ limit: LIST_LIMIT }).map(sessionSummary), null, 2)) }],
    }),
  );

  server.registerResource(
    'session',
    new ResourceTemplate('shannon://sessions/{id}', {
      list: () => ({
        resources: sessions.list({ limit: LIST_LIMIT }).map((r) => ({ uri: sessionUri(r.id), name: safeText(r.title), description: safeText(`${r.state} · ${r.cwd}`), mimeType: 'application/json' })),
      }),
    }),
    { title: 'A Claude Code session', description: 'One session: state, folder, model, tokens, cost, error (JSON).', mimeType: 'application/json' },
    (uri, vars) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: safeText(JSON.stringify(sessionSummary(record(vars.id)), null, 2)) }],
    }),
  );

  server.registerResource(
    'transcript',
    new ResourceTemplate('shannon://sessions/{id}/transcript', { list: undefined }),
    { title: 'A session transcript', description: 'What was said in a session, as readable text: prompts, replies, tool calls and results.', mimeType: 'text/plain' },
    async (uri, vars) => {
      const r = record(vars.id);
      let text = await newestText(deps, r.id, TRANSCRIPT_MAX_CHARS);
      if (text.length > TRANSCRIPT_MAX_CHARS) text = `…(earlier part left out: use get_session_output to page through it)\n${text.slice(-TRANSCRIPT_MAX_CHARS)}`;
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text }] };
    },
  );

  // ---- subscriptions -----------------------------------------------------------------------
  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  const due = new Set<string>();
  let listChanged = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!server.isConnected()) return;
    if (listChanged) server.sendResourceListChanged();
    listChanged = false;
    for (const uri of due) server.server.sendResourceUpdated({ uri }).catch(() => undefined);
    due.clear();
  };
  const schedule = () => {
    timer ??= setTimeout(flush, NOTIFY_DELAY_MS);
  };
  const updated = (uri: string) => {
    if (!subscribed.has(uri)) return;
    due.add(uri);
    schedule();
  };
  disposables.add({ dispose: () => clearTimeout(timer) });

  const announced = new Set<string>();
  disposables.add(
    sessions.onDidChangeSession((r) => {
      if (r.state === 'created' && !announced.has(r.id)) {
        announced.add(r.id);
        listChanged = true;
        schedule();
      }
      updated(SESSIONS_URI);
      updated(sessionUri(r.id));
    }),
  );
  disposables.add(
    sessions.onDidMessage((e) => {
      if (e.message.kind !== 'stream_event') updated(transcriptUri(e.sessionId));
    }),
  );
  return disposables;
}

/** The session's rendered text, read back from its end until there is more than `maxChars` of it (or no more). */
async function newestText(deps: ShannonMcpDeps, sessionId: string, maxChars: number): Promise<string> {
  const pages: string[][] = [];
  let chars = 0;
  for (let beforeSeq: number | undefined; ; ) {
    const page = await deps.transcripts.readTranscriptTail(sessionId, { limit: TRANSCRIPT_PAGE, filter: (e) => e.type !== 'stream_event', ...(beforeSeq === undefined ? {} : { beforeSeq }) });
    const text = renderText(page.entries);
    const lines = text ? text.split('\n') : [];
    pages.unshift(lines);
    for (const l of lines) chars += l.length + 1;
    if (!page.hasOlder || page.entries.length === 0 || chars > maxChars) break;
    beforeSeq = page.entries[0]!.seq;
  }
  return pages.flat().join('\n');
}
