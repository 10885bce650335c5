/**
 * JsonlDecoder against the ceiling (JSON.parse over lines already split and decoded) and the
 * usual alternative (readline over a Readable, JSON.parse per line), on ~100 MB shaped like
 * `claude -p --output-format stream-json --verbose --include-partial-messages` stdout, fed in
 * 64 KiB chunks as a pipe delivers them. A second, smaller run has small events only, to
 * separate per-line overhead from the cost of big tool results.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { JsonlDecoder } from '../src/core/jsonl/decoder';
import {
  compare,
  createRandom,
  formatBytes,
  formatMs,
  formatRatio,
  MemorySampler,
  mbPerSec,
  printTable,
  type BenchContext,
  type Contender,
  type MemoryPeak,
  type Random,
} from './lib';

const CHUNK_BYTES = 64 * 1024;

const DECODER = 'JsonlDecoder';
const DECODER_STREAM = 'JsonlDecoder via Readable';
const FLOOR = 'utf8 decode + JSON.parse';
const RAW = 'raw JSON.parse (ceiling)';
const READLINE = 'readline + JSON.parse';

export default async function jsonlBench(ctx: BenchContext): Promise<void> {
  const rounds = ctx.args.iterations ?? 5;
  ctx.log(`1 warm-up round, then ${rounds} timed rounds; contenders interleaved, order rotated each round, GC before each run; medians.`);
  ctx.log(`Contenders: ${DECODER} (write() per 64 KiB chunk); ${DECODER_STREAM} (chunks from a Readable's 'data');`);
  ctx.log(`  ${FLOOR}: lines pre-split as bytes, then utf8Slice + JSON.parse: the least a bytes-in decoder must do;`);
  ctx.log(`  ${RAW}: lines pre-split and pre-decoded to strings; ${READLINE}: readline over a Readable of the chunks.`);
  await section(ctx, 'mixed session traffic, ~100 MB', generateStream(100e6, 0x5eed), rounds, true);
  await section(ctx, 'small events only, ~25 MB', generateStream(25e6, 0x5eed, { largeResults: false }), rounds, false);
}

async function section(ctx: BenchContext, title: string, stream: Workload, rounds: number, withMemory: boolean): Promise<void> {
  const bytes = stream.bytes;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytes.subarray(i, i + CHUNK_BYTES));
  const lineBytes: Buffer[] = [];
  for (let start = 0, nl = bytes.indexOf(10); nl !== -1; start = nl + 1, nl = bytes.indexOf(10, start)) {
    lineBytes.push(Buffer.from(bytes.subarray(start, nl)));
  }
  // Each line decoded on its own, as a one-byte string where the line is ASCII.
  const lines = lineBytes.map((b) => b.toString('utf8'));

  ctx.log(`\n## ${title}`);
  ctx.log(`${formatBytes(bytes.length)} in ${stream.lines} lines, ${chunks.length} chunks; longest line ${formatBytes(stream.longestLine)}; generated in ${formatMs(stream.generateMs)}`);
  printTable(
    ctx,
    ['type', 'lines', 'bytes', 'share of bytes'],
    [...stream.byType].map(([type, s]) => [type, s.lines, formatBytes(s.bytes), `${((100 * s.bytes) / bytes.length).toFixed(1)} %`]),
  );

  // Every contender hands each message to the same sink and must deliver every message.
  let seen = 0;
  const sink = (value: Record<string, unknown>): void => {
    if (value.type !== undefined) seen++;
  };
  const check = (name: string): void => {
    const n = seen;
    seen = 0;
    if (n !== stream.lines) throw new Error(`${name} delivered ${n} of ${stream.lines} messages`);
  };
  const failOnError = (e: { reason: string; line: number; message: string }): void => {
    throw new Error(`unexpected decode error: ${e.reason} at line ${e.line}: ${e.message}`);
  };

  let decoderHeld = 0;
  const runs: Record<string, (sample?: () => void) => void | Promise<void>> = {
    [DECODER]: (sample) => {
      const d = new JsonlDecoder({ onMessage: sink, onError: failOnError });
      for (const chunk of chunks) {
        d.write(chunk);
        sample?.();
      }
      d.end();
      decoderHeld = d.maxBufferedBytes;
    },
    [DECODER_STREAM]: async (sample) => {
      const d = new JsonlDecoder({ onMessage: sink, onError: failOnError });
      const input = Readable.from(chunks, { objectMode: false });
      input.on('data', (chunk: Buffer) => {
        d.write(chunk);
        sample?.();
      });
      await once(input, 'end');
      d.end();
    },
    [FLOOR]: (sample) => {
      let sinceSample = 0;
      for (const b of lineBytes) {
        sink(JSON.parse((b as unknown as { utf8Slice(s: number, e: number): string }).utf8Slice(0, b.length)) as Record<string, unknown>);
        if (sample && (sinceSample += b.length) >= CHUNK_BYTES) {
          sample();
          sinceSample = 0;
        }
      }
    },
    [RAW]: (sample) => {
      let sinceSample = 0;
      for (const line of lines) {
        sink(JSON.parse(line) as Record<string, unknown>);
        if (sample && (sinceSample += line.length) >= CHUNK_BYTES) {
          sample();
          sinceSample = 0;
        }
      }
    },
    [READLINE]: async (sample) => {
      const input = Readable.from(chunks, { objectMode: false });
      if (sample) input.on('data', sample);
      const rl = createInterface({ input, crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (line.length > 0) sink(JSON.parse(line) as Record<string, unknown>);
      });
      await once(rl, 'close');
    },
  };
  const names = [DECODER, DECODER_STREAM, FLOOR, RAW, READLINE];

  // Memory first, each pass from a collected heap. RSS is a process high-water mark, so only
  // the first pass's RSS growth is clean: the decoder goes first.
  const memory = new Map<string, MemoryPeak>();
  if (withMemory) {
    for (const name of names) {
      const sampler = new MemorySampler();
      sampler.start();
      await runs[name]!(() => sampler.sample());
      memory.set(name, sampler.growth());
      check(name);
    }
  }

  const contenders: Contender[] = names.map((name) => ({
    name,
    run: async () => {
      await runs[name]!();
      check(name);
    },
  }));
  const timings = await compare(contenders, { warmupRounds: 1, rounds });
  const t = (name: string) => timings.get(name)!;

  const header = ['contender', 'wall median', 'MB/s', 'wall min..max', 'CPU median', 'MB/s by CPU'];
  if (withMemory) header.push('peak heap+buffers growth', 'peak RSS growth');
  printTable(
    ctx,
    header,
    names.map((name) => {
      const m = memory.get(name);
      const row = [
        name,
        formatMs(t(name).median),
        mbPerSec(bytes.length, t(name).median).toFixed(1),
        `${formatMs(t(name).min)}..${formatMs(t(name).max)}`,
        formatMs(t(name).cpuMedian),
        mbPerSec(bytes.length, t(name).cpuMedian).toFixed(1),
      ];
      if (m) row.push(`${formatBytes(m.total)} (${(m.total / stream.longestLine).toFixed(1)}× longest line)`, formatBytes(m.rss));
      return row;
    }),
  );

  // Ratios of throughput (time of the other / time of the decoder), by wall and by CPU time.
  const ratio = (other: string, target?: number): string => {
    const byWall = t(other).median / t(DECODER).median;
    const byCpu = t(other).cpuMedian / t(DECODER).cpuMedian;
    return `${formatRatio(byWall, target)}   by CPU time: ${formatRatio(byCpu, target)}`;
  };
  ctx.log('');
  ctx.log(`decoder / raw JSON.parse:        ${ratio(RAW, 0.9)}`);
  ctx.log(`decoder / readline:              ${ratio(READLINE, 1.5)}`);
  ctx.log(`decoder / utf8 decode + parse:   ${ratio(FLOOR)}`);
  ctx.log(`decoder via Readable / decoder:  ${formatRatio(t(DECODER).median / t(DECODER_STREAM).median)}`);
  ctx.log(`decoder held at most ${formatBytes(decoderHeld)} for an incomplete line (longest line ${formatBytes(stream.longestLine)}, cap 64 MiB)`);
}

// ---------------------------------------------------------------------------------------------
// Workload: sessions of a system/init, assistant turns streamed as stream_event deltas and
// then as whole `assistant` messages, tool calls answered by `user` tool results (a few large:
// file reads and command output, duplicated in `tool_use_result` as the CLI does), and a
// `result` per turn.

export interface Workload {
  bytes: Buffer;
  generateMs: number;
  lines: number;
  longestLine: number;
  byType: Map<string, { lines: number; bytes: number }>;
}

const WORDS = (
  'the a to of and in is it that for this with on as be are not by we will file function test ' +
  'value return error type session stream line buffer decoder message result tool call user ' +
  "assistant change update fix check run build config path should would now let's I'll here " +
  'first then next because which when also can need read write edit looks good done'
).split(' ');
const UNICODE_BITS = ['—', 'é', '✅', '→', '“quoted”', '日本語', '🎉', 'naïve', '…'];
const TOOLS = ['Task', 'Bash', 'Glob', 'Grep', 'LS', 'ExitPlanMode', 'Read', 'Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'WebFetch', 'TodoWrite', 'WebSearch', 'BashOutput', 'KillShell', 'SlashCommand', 'mcp__github__get_issue', 'mcp__github__create_pull_request'];
const MODEL = 'claude-sonnet-4-5-20250929';

export function generateStream(targetBytes: number, seed: number, options: { largeResults?: boolean } = {}): Workload {
  const largeResults = options.largeResults ?? true;
  const started = performance.now();
  const rnd = createRandom(seed);
  const codeLines = Array.from({ length: 4000 }, () => codeLine(rnd));
  const parts: string[] = [];
  const byType = new Map<string, { lines: number; bytes: number }>();
  let total = 0;
  let lines = 0;
  let longestLine = 0;
  const emit = (value: Record<string, unknown>): void => {
    const text = JSON.stringify(value);
    const size = Buffer.byteLength(text) + 1;
    parts.push(text, '\n');
    total += size;
    lines++;
    if (size - 1 > longestLine) longestLine = size - 1;
    const key = value.type === 'stream_event' ? `stream_event/${(value.event as { type: string }).type}` : String(value.type);
    const s = byType.get(key) ?? { lines: 0, bytes: 0 };
    s.lines++;
    s.bytes += size;
    byType.set(key, s);
  };

  while (total < targetBytes) {
    const session = uuid(rnd);
    const base = { parent_tool_use_id: null, session_id: session };
    emit({
      type: 'system',
      subtype: 'init',
      cwd: '/home/dev/projects/shannon',
      session_id: session,
      tools: TOOLS,
      mcp_servers: [{ name: 'github', status: 'connected' }],
      model: MODEL,
      permissionMode: 'default',
      slash_commands: ['compact', 'context', 'cost', 'init', 'review', 'security-review', 'todos'],
      apiKeySource: 'ANTHROPIC_API_KEY',
      claude_code_version: '2.1.197',
      output_style: 'default',
      agents: ['general-purpose', 'statusline-setup', 'output-style-setup'],
      skills: [],
      plugins: [],
      uuid: uuid(rnd),
    });
    const turns = rnd.int(1, 3);
    for (let turn = 0; turn < turns && total < targetBytes; turn++) {
      const steps = rnd.int(2, 8);
      let finalText = '';
      for (let step = 0; step < steps; step++) {
        const messageId = `msg_01${token(rnd, 22)}`;
        const usage = { input_tokens: rnd.int(2, 12), cache_creation_input_tokens: rnd.int(0, 3000), cache_read_input_tokens: rnd.int(10000, 90000), output_tokens: 1, service_tier: 'standard' };
        const event = (e: Record<string, unknown>) => emit({ type: 'stream_event', event: e, ...base, uuid: uuid(rnd) });
        event({ type: 'message_start', message: { model: MODEL, id: messageId, type: 'message', role: 'assistant', content: [], stop_reason: null, stop_sequence: null, usage } });
        // Text, streamed a few tokens per delta.
        event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        let text = '';
        const deltas = rnd.int(5, 120);
        for (let i = 0; i < deltas; i++) {
          const piece = prose(rnd, rnd.int(1, 6));
          text += piece;
          event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } });
        }
        event({ type: 'content_block_stop', index: 0 });
        emit({ type: 'assistant', message: { model: MODEL, id: messageId, type: 'message', role: 'assistant', content: [{ type: 'text', text }], stop_reason: null, stop_sequence: null, usage }, ...base, uuid: uuid(rnd) });
        finalText = text;
        if (step === steps - 1) {
          event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: rnd.int(20, 900) } });
          event({ type: 'message_stop' });
          break;
        }
        // A tool call, its input streamed as partial JSON, then its result.
        const toolId = `toolu_01${token(rnd, 22)}`;
        const tool = rnd.pick(['Read', 'Bash', 'Grep', 'Edit', 'Glob'] as const);
        const input = toolInput(rnd, tool);
        event({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: toolId, name: tool, input: {} } });
        const json = JSON.stringify(input);
        for (let i = 0; i < json.length; i += 12) event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 12) } });
        event({ type: 'content_block_stop', index: 1 });
        emit({ type: 'assistant', message: { model: MODEL, id: messageId, type: 'message', role: 'assistant', content: [{ type: 'tool_use', id: toolId, name: tool, input }], stop_reason: null, stop_sequence: null, usage }, ...base, uuid: uuid(rnd) });
        event({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: rnd.int(20, 400) } });
        event({ type: 'message_stop' });

        const large = largeResults && rnd.chance(0.25);
        const size = large ? rnd.logUniform(10 * 1024, 2 * 1024 * 1024) : rnd.int(100, 4000);
        const content = tool === 'Read' ? fileContent(rnd, codeLines, size) : commandOutput(rnd, codeLines, size);
        emit({
          type: 'user',
          message: { role: 'user', content: [{ tool_use_id: toolId, type: 'tool_result', content }] },
          ...base,
          uuid: uuid(rnd),
          tool_use_result:
            tool === 'Read'
              ? { type: 'text', file: { filePath: String(input.file_path), content, numLines: content.split('\n').length, startLine: 1, totalLines: content.split('\n').length } }
              : { stdout: content, stderr: '', interrupted: false, isImage: false },
        });
      }
      emit({
        type: 'result',
        subtype: 'success',
        is_error: false,
        duration_ms: rnd.int(2000, 90000),
        duration_api_ms: rnd.int(1500, 80000),
        num_turns: steps,
        result: finalText,
        stop_reason: 'end_turn',
        session_id: session,
        total_cost_usd: rnd.next() * 0.5,
        usage: { input_tokens: rnd.int(10, 200), cache_creation_input_tokens: rnd.int(0, 20000), cache_read_input_tokens: rnd.int(10000, 400000), output_tokens: rnd.int(50, 5000), server_tool_use: { web_search_requests: 0 }, service_tier: 'standard' },
        modelUsage: { [MODEL]: { inputTokens: rnd.int(10, 200), outputTokens: rnd.int(50, 5000), cacheReadInputTokens: rnd.int(10000, 400000), cacheCreationInputTokens: rnd.int(0, 20000), webSearchRequests: 0, costUSD: rnd.next() * 0.5, contextWindow: 200000 } },
        permission_denials: [],
        uuid: uuid(rnd),
      });
    }
  }
  return { bytes: Buffer.from(parts.join('')), generateMs: performance.now() - started, lines, longestLine, byType };
}

function prose(rnd: Random, words: number): string {
  let s = '';
  for (let i = 0; i < words; i++) s += (rnd.chance(0.02) ? rnd.pick(UNICODE_BITS) : rnd.pick(WORDS)) + ' ';
  return rnd.chance(0.1) ? `${s.trimEnd()}.\n\n` : s;
}

function codeLine(rnd: Random): string {
  const indent = '  '.repeat(rnd.int(0, 4));
  const id = () => rnd.pick(WORDS).replace(/\W/g, '') + rnd.pick(['', 'Value', 'Id', 'Count', 'Map']);
  switch (rnd.int(0, 6)) {
    case 0:
      return `${indent}const ${id()} = await ${id()}(${id()}, "${rnd.pick(WORDS)}");`;
    case 1:
      return `${indent}if (${id()}.length > ${rnd.int(0, 999)}) return { ok: false, reason: '${rnd.pick(WORDS)}' };`;
    case 2:
      return `${indent}// ${prose(rnd, rnd.int(3, 12)).trim()}`;
    case 3:
      return `${indent}\t${id()}: ${rnd.int(0, 1e6)},\t// ${rnd.pick(WORDS)}`;
    case 4:
      return `${indent}}`;
    case 5:
      return `${indent}throw new Error(\`${rnd.pick(WORDS)} \${${id()}} is "${rnd.pick(WORDS)}"\`);`;
    default:
      return `${indent}export function ${id()}(${id()}: string, ${id()}?: number): ${rnd.pick(['void', 'string', 'Promise<void>'])} {`;
  }
}

/** Like the Read tool's output: `cat -n` style with a "→" after each line number. */
function fileContent(rnd: Random, codeLines: readonly string[], size: number): string {
  const out: string[] = [];
  let n = 0;
  let lineNo = 1;
  const unicode = rnd.chance(0.1);
  while (n < size) {
    let line = `${String(lineNo++).padStart(6)}\u2192${rnd.pick(codeLines)}`;
    if (unicode && rnd.chance(0.05)) line += ` // ${rnd.pick(UNICODE_BITS)}`;
    out.push(line);
    n += line.length + 1;
  }
  return out.join('\n');
}

/** Like build and test output: ASCII, except for a tenth of outputs. */
function commandOutput(rnd: Random, codeLines: readonly string[], size: number): string {
  const out: string[] = [];
  let n = 0;
  const unicode = rnd.chance(0.1);
  while (n < size) {
    let line = rnd.chance(0.3) ? `src/${rnd.pick(WORDS).replace(/\W/g, '')}.ts:${rnd.int(1, 900)}:${rnd.int(1, 80)}: ${prose(rnd, rnd.int(3, 10)).trim()}` : rnd.pick(codeLines).trim();
    if (unicode && rnd.chance(0.05)) line += ` ${rnd.pick(UNICODE_BITS)}`;
    out.push(line);
    n += line.length + 1;
  }
  return out.join('\n');
}

function toolInput(rnd: Random, tool: string): Record<string, unknown> {
  const path = `/home/dev/projects/shannon/src/${rnd.pick(['core', 'extension', 'webview', 'mcp'])}/${rnd.pick(WORDS).replace(/\W/g, '')}.ts`;
  switch (tool) {
    case 'Read':
      return { file_path: path };
    case 'Bash':
      return { command: `npm test -- ${rnd.pick(WORDS)} 2>&1 | tail -${rnd.int(10, 200)}`, description: prose(rnd, 5).trim() };
    case 'Grep':
      return { pattern: rnd.pick(WORDS), path: '/home/dev/projects/shannon', output_mode: 'content', '-n': true };
    case 'Edit':
      return { file_path: path, old_string: prose(rnd, 8), new_string: prose(rnd, 10) };
    default:
      return { pattern: `**/*${rnd.pick(WORDS).replace(/\W/g, '')}*.ts` };
  }
}

function uuid(rnd: Random): string {
  const h = (n: number) => token(rnd, n, '0123456789abcdef');
  return `${h(8)}-${h(4)}-4${h(3)}-${rnd.pick(['8', '9', 'a', 'b'])}${h(3)}-${h(12)}`;
}

function token(rnd: Random, n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd.next() * alphabet.length)];
  return s;
}
