/**
 * The session panel in real Chromium (Debian's, through playwright-core): the webview bundle
 * on a static page with a fake `acquireVsCodeApi`, fed the messages the host would send.
 *
 *   first paint   `init` with a 10,000-entry transcript → rows on screen. Measured from posting
 *                 the message (so the structured clone counts) to the end of the panel's
 *                 handler, and to the first frame after it (target < 150 ms).
 *   append        a reply streamed in as the host sends it (one `partial` per frame, now and
 *                 then an `append` of complete entries) on top of those 10,000: the panel's work
 *                 per message (handler + its frame's layout, target < 16 ms) and the frame
 *                 intervals seen meanwhile.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import { SessionStore } from '../src/core/store';
import { tailWindow, trimEntry } from '../src/extension/webview/transcriptWindow';
import type { HostMessage, PanelEntry, SessionRecord, TranscriptEntry } from '../src/shared/webviewProtocol';
import { createRandom, formatBytes, formatMs, median, printTable, type BenchContext, type Random } from './lib';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const FIRST_PAINT_TARGET_MS = 150;
const FRAME_MS = 16;

export default async function webviewBench(ctx: BenchContext): Promise<void> {
  const rounds = ctx.args.iterations ?? 7;
  const out = await mkdtemp(path.join(tmpdir(), 'shannon-webview-bench-'));
  const server = await serve(out);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await buildBundle(out);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const all = transcript(10_000);
    ctx.log(`Chromium ${browser.version()} headless, viewport 1000×800; webview bundle as shipped (esbuild, not minified).`);
    ctx.log(`Transcript: 10,000 entries shaped like a long working session (${formatBytes(JSON.stringify(all).length)} of JSON: prompts, markdown replies, tool calls with outputs of 1–200 lines, turn results).`);
    ctx.log(`First paint: ${rounds} rounds after 1 warm-up, a fresh page each (so every round pays the panel's start-up, as opening a panel does); medians [max].`);

    // The host's side of opening the panel: the store's transcript read, the window cut.
    const host = await hostSide(all, rounds);
    ctx.log('\n## opening a 10,000-message session: host side (extension host, Node)');
    printTable(ctx, ['step', 'median', 'max'], [
      ['SessionStore.readTranscript (10,000 entries from disk)', formatMs(median(host.read)), formatMs(Math.max(...host.read))],
      [`tailWindow → init (${host.window.entries.length.toLocaleString('en-US')} newest, strings cut)`, formatMs(median(host.cut)), formatMs(Math.max(...host.cut))],
    ]);

    const cases: Array<{ name: string; init: HostMessage }> = [
      { name: `host window of 10,000 (${host.window.entries.length.toLocaleString('en-US')} newest)`, init: initMessage(host.window.entries, host.window.hasOlder) },
      { name: 'all 10,000 in one init (capacity)', init: initMessage(all.map((e) => trimEntry(e)), false) },
    ];
    const rows: (string | number)[][] = [];
    const frames = new Map<string, number>();
    for (const c of cases) {
      const handled: number[] = [];
      const frame: number[] = [];
      let mounted = 0;
      for (let round = 0; round <= rounds; round++) {
        const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
        await page.goto(url);
        const r = await firstPaint(page, c.init);
        await page.close();
        if (round === 0) continue;
        handled.push(r.handled);
        frame.push(r.frame);
        mounted = r.mounted;
      }
      const entries = c.init.type === 'init' ? c.init.entries : [];
      rows.push([c.name, formatBytes(JSON.stringify(entries).length), mounted, `${formatMs(median(handled))} [${formatMs(Math.max(...handled))}]`, `${formatMs(median(frame))} [${formatMs(Math.max(...frame))}]`]);
      frames.set(c.name, median(frame));
    }
    ctx.log('\n## first paint in the webview: init posted → transcript on screen');
    printTable(ctx, ['init', 'payload', 'rows in DOM', 'handled', 'to next frame'], rows);
    const open = median(host.read) + median(host.cut) + frames.get(cases[0]!.name)!;
    ctx.log(`Opening a 10,000-message session, store read to first frame: ${formatMs(open)} (webview part ${formatMs(frames.get(cases[0]!.name)!)}; target < ${FIRST_PAINT_TARGET_MS} ms for the first paint: ${frames.get(cases[0]!.name)! < FIRST_PAINT_TARGET_MS ? 'met' : 'NOT met'})`);
    const cap = frames.get(cases[1]!.name)!;
    ctx.log(`All 10,000 entries in one init: ${formatMs(cap)} to the first frame (${cap < FIRST_PAINT_TARGET_MS ? 'within' : 'over'} ${FIRST_PAINT_TARGET_MS} ms)`);

    ctx.log('\n## streamed appends on a 10,000-message transcript (all loaded)');
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(url);
    await firstPaint(page, cases[1]!.init);
    const stream = streamMessages(createRandom(0xbeef), 400);
    const r = await streamInto(page, stream);
    const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
    printTable(
      ctx,
      ['per message', 'count', 'median', 'p95', 'max', `over ${FRAME_MS} ms`],
      [
        ['handler (model + list update)', r.handle.length, formatMs(median(r.handle)), formatMs(p(r.handle, 0.95)), formatMs(Math.max(...r.handle)), r.handle.filter((x) => x > FRAME_MS).length],
        ['frame layout (render + measure)', r.layout.length, formatMs(median(r.layout)), formatMs(p(r.layout, 0.95)), formatMs(Math.max(...r.layout)), r.layout.filter((x) => x > FRAME_MS).length],
        ['handler + layout, per message', r.work.length, formatMs(median(r.work)), formatMs(p(r.work, 0.95)), formatMs(Math.max(...r.work)), r.work.filter((x) => x > FRAME_MS).length],
        ['frame interval while streaming', r.intervals.length, formatMs(median(r.intervals)), formatMs(p(r.intervals, 0.95)), formatMs(Math.max(...r.intervals)), `${r.intervals.filter((x) => x > FRAME_MS * 1.5 + 16).length} (> 1 frame late)`],
      ],
    );
    const p95 = p(r.work, 0.95);
    ctx.log(`rows in the DOM at the end: ${r.mounted}; still at the bottom: ${r.stuck}`);
    ctx.log(`Each streamed append within one frame: p95 ${formatMs(p95)}, max ${formatMs(Math.max(...r.work))} (target < ${FRAME_MS} ms: ${Math.max(...r.work) < FRAME_MS ? 'met for every one' : p95 < FRAME_MS ? 'met at p95' : 'NOT met'})`);
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'bench-webview-10k.png') }).catch(() => undefined);
    await page.close();
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(out, { recursive: true, force: true });
  }
}

/** Writes the transcript to a real SessionStore, then times what a panel's `ready` costs the host. */
async function hostSide(all: TranscriptEntry[], rounds: number): Promise<{ read: number[]; cut: number[]; window: { entries: PanelEntry[]; hasOlder: boolean } }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shannon-webview-bench-store-'));
  const store = await SessionStore.open({ dir, flushDelayMs: 10 });
  try {
    for (const e of all) store.appendMessage({ ...e, seq: undefined });
    await store.flush();
    const read: number[] = [];
    const cut: number[] = [];
    let window: { entries: PanelEntry[]; hasOlder: boolean } = { entries: [], hasOlder: false };
    for (let round = 0; round <= rounds; round++) {
      const t0 = performance.now();
      const entries = await store.readTranscript(SESSION.id);
      const t1 = performance.now();
      window = tailWindow(entries);
      const t2 = performance.now();
      if (entries.length !== all.length) throw new Error(`the store gave back ${entries.length} entries, not ${all.length}`);
      if (round === 0) continue;
      read.push(t1 - t0);
      cut.push(t2 - t1);
    }
    return { read, cut, window };
  } finally {
    store.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- the page ------------------------------------------------------------------------------

async function buildBundle(outdir: string): Promise<void> {
  // The same options as esbuild.mjs's webview entry.
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    entryPoints: { webview: path.join(ROOT, 'src/webview/main.ts') },
    outdir,
    loader: { '.ttf': 'file' },
    logLevel: 'silent',
  });
}

/** Dark Modern's values for the variables the panel uses (VS Code sets them on <html>). */
const THEME = `
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-errorForeground: #f85149;
  --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b; --vscode-widget-border: #313131;
  --vscode-editorWidget-background: #202020; --vscode-textCodeBlock-background: #2b2b2b;
  --vscode-textLink-foreground: #4daafc; --vscode-textPreformat-foreground: #d0d0d0;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
  --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c;
  --vscode-focusBorder: #0078d4; --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8;
  --vscode-testing-iconPassed: #73c991; --vscode-editorWarning-foreground: #cca700;
  --vscode-inputValidation-warningBorder: #b89500; --vscode-inputValidation-errorBorder: #be1100;
  --vscode-chat-requestBackground: #2a2d2e;`;

function pageHtml(): string {
  return `<!DOCTYPE html><html lang="en" style="${THEME.replace(/\s+/g, ' ')}"><head><meta charset="UTF-8">
<link rel="stylesheet" href="/webview.css"></head>
<body data-session-id="bench-session"><div id="app"></div>
<script>
  // tsx compiles the functions page.evaluate() ships here with esbuild's keepNames helper.
  window.__name = (f) => f;
  window.__posted = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
</script>
<script src="/webview.js"></script></body></html>`;
}

async function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml());
      return;
    }
    const file = path.join(dir, path.basename(url.pathname));
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    readFile(file).then(
      (b) => res.writeHead(200, { 'content-type': type }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function firstPaint(page: Page, init: HostMessage): Promise<{ handled: number; frame: number; mounted: number }> {
  return page.evaluate(async (message) => {
    // Our listener is added after the panel's: it runs once the panel has handled the message.
    const handledAt = new Promise<number>((resolve) => {
      const f = () => {
        window.removeEventListener('message', f);
        resolve(performance.now());
      };
      window.addEventListener('message', f);
    });
    const t0 = performance.now();
    window.postMessage(message, '*');
    const handled = await handledAt;
    // The frame after: rAF runs before that frame's paint, a message posted from it after.
    const frame = await new Promise<number>((resolve) =>
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve(performance.now());
        ch.port2.postMessage(0);
      }),
    );
    return { handled: handled - t0, frame: frame - t0, mounted: document.querySelectorAll('.row').length };
  }, init);
}

interface StreamResult {
  handle: number[];
  layout: number[];
  work: number[];
  intervals: number[];
  mounted: number;
  rows: number;
  stuck: boolean;
}

/** Posts one message per animation frame, as the host's batcher does, and collects timings. */
async function streamInto(page: Page, messages: HostMessage[]): Promise<StreamResult> {
  return page.evaluate(async (msgs) => {
    const perf = (globalThis as unknown as { __shannonPerf: { samples(n: string): number[]; clear(): void } }).__shannonPerf;
    perf.clear();
    const intervals: number[] = [];
    const work: number[] = [];
    let last = performance.now();
    for (const m of msgs) {
      await new Promise<void>((resolve) =>
        requestAnimationFrame((t) => {
          intervals.push(t - last);
          last = t;
          const before = perf.samples('handle').length + perf.samples('layout').length;
          window.postMessage(m, '*');
          // The panel handles it as a task, then lays out at the next frame: wait for both.
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            requestAnimationFrame(() => {
              const h = perf.samples('handle');
              const l = perf.samples('layout');
              void before;
              work.push((h.at(-1) ?? 0) + (l.at(-1) ?? 0));
              resolve();
            });
          };
          setTimeout(() => ch.port2.postMessage(0), 0);
        }),
      );
    }
    const scroller = document.querySelector('.transcript') as HTMLElement;
    return {
      handle: perf.samples('handle'),
      layout: perf.samples('layout'),
      work,
      intervals: intervals.slice(1),
      mounted: document.querySelectorAll('.row').length,
      rows: -1,
      stuck: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 30,
    };
  }, messages).then((r) => ({ ...r, rows: messages.length }));
}

// ---- the data ------------------------------------------------------------------------------

const WORDS = 'the a session tool file change test build error value function module panel stream render row message cost token model user output input result permission diff code'.split(' ');

function sentence(r: Random, words: number): string {
  const w: string[] = [];
  for (let i = 0; i < words; i++) w.push(r.pick(WORDS));
  const s = w.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

function markdown(r: Random): string {
  const parts: string[] = [];
  const paras = r.int(1, 4);
  for (let p = 0; p < paras; p++) {
    const kind = r.next();
    if (kind < 0.15) parts.push('```ts\n' + Array.from({ length: r.int(2, 12) }, () => `const ${r.pick(WORDS)} = ${r.pick(WORDS)}(${r.int(0, 99)});`).join('\n') + '\n```');
    else if (kind < 0.3) parts.push(Array.from({ length: r.int(2, 5) }, () => `- ${sentence(r, r.int(3, 10))} \`${r.pick(WORDS)}\``).join('\n'));
    else parts.push(Array.from({ length: r.int(1, 4) }, () => sentence(r, r.int(5, 20))).join(' ') + ` **${r.pick(WORDS)}**`);
  }
  return parts.join('\n\n');
}

const SESSION: SessionRecord = {
  id: 'bench-session',
  cliSessionId: 'cli-bench',
  workspaceFolder: '/work/project',
  cwd: '/work/project',
  title: 'Refactor the transcript renderer',
  model: 'claude-opus-4-8',
  options: {},
  state: 'running',
  createdAt: 0,
  updatedAt: 0,
  metrics: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 12.34, durationMs: 0, turns: 250, toolCalls: 0 },
  origin: 'shannon',
};

/** A transcript of `n` entries shaped like a long working session: turns of text and tool calls. */
export function transcript(n: number, seed = 0x5eed): TranscriptEntry[] {
  const r = createRandom(seed);
  const out: TranscriptEntry[] = [];
  const push = (direction: 'in' | 'out', raw: Record<string, unknown>) => out.push({ sessionId: SESSION.id, seq: out.length, at: out.length * 1000, direction, type: String(raw.type), raw });
  let msg = 0;
  let cost = 0;
  while (out.length < n) {
    push('out', { type: 'user', message: { role: 'user', content: sentence(r, r.int(4, 30)) } });
    if (out.length === 1) push('in', { type: 'system', subtype: 'init', model: 'claude-opus-4-8', cwd: SESSION.cwd, claude_code_version: '2.1.197', permissionMode: 'default', session_id: 'cli-bench' });
    const steps = r.int(1, 6);
    for (let s = 0; s < steps && out.length < n; s++) {
      const id = `msg_${msg++}`;
      if (r.chance(0.2)) push('in', { type: 'assistant', message: { id, role: 'assistant', content: [{ type: 'thinking', thinking: sentence(r, r.int(10, 60)) }] } });
      push('in', { type: 'assistant', message: { id, role: 'assistant', content: [{ type: 'text', text: markdown(r) }] } });
      if (r.chance(0.7)) {
        const tool = r.pick(['Bash', 'Read', 'Edit', 'Grep']);
        const toolId = `toolu_${msg}`;
        const input =
          tool === 'Bash'
            ? { command: `npm test -- ${r.pick(WORDS)}`, description: sentence(r, 4) }
            : tool === 'Edit'
              ? { file_path: `/work/project/src/${r.pick(WORDS)}.ts`, old_string: sentence(r, 6), new_string: sentence(r, 7) }
              : tool === 'Grep'
                ? { pattern: r.pick(WORDS), path: 'src' }
                : { file_path: `/work/project/src/${r.pick(WORDS)}.ts` };
        push('in', { type: 'assistant', message: { id, role: 'assistant', content: [{ type: 'tool_use', id: toolId, name: tool, input }] } });
        const lines = Array.from({ length: r.logUniform(1, 200) }, () => sentence(r, r.int(3, 12))).join('\n');
        push('in', {
          type: 'user',
          message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolId, content: lines, is_error: r.chance(0.05) }] },
          ...(tool === 'Bash' ? { tool_use_result: { stdout: lines, stderr: '', interrupted: false } } : {}),
        });
      }
    }
    cost += r.next() * 0.05;
    push('in', { type: 'result', subtype: 'success', is_error: false, duration_ms: r.int(800, 90_000), num_turns: steps, total_cost_usd: cost, usage: { input_tokens: r.int(100, 50_000), output_tokens: r.int(10, 4000), cache_read_input_tokens: r.int(0, 100_000), cache_creation_input_tokens: r.int(0, 5000) } });
  }
  return out.slice(0, n);
}

function initMessage(entries: PanelEntry[], hasOlder: boolean): HostMessage {
  return { type: 'init', session: SESSION, entries, hasOlder, partials: [], pendingPermissions: [], settings: { showPartialMessages: true } };
}

/** A reply streamed as the host sends it: text deltas, a tool call, its result, the next text. */
function streamMessages(r: Random, count: number): HostMessage[] {
  const out: HostMessage[] = [];
  let seq = 1_000_000;
  let msg = 0;
  const entry = (direction: 'in' | 'out', raw: Record<string, unknown>): TranscriptEntry => ({ sessionId: SESSION.id, seq: seq++, at: 0, direction, type: String(raw.type), raw });
  while (out.length < count) {
    const id = `stream_${msg++}`;
    const text = markdown(r);
    let sent = 0;
    while (sent < text.length && out.length < count) {
      const n = r.int(8, 40);
      out.push({ type: 'partial', deltas: [{ messageId: id, index: 0, block: 'text', text: text.slice(sent, sent + n) }] });
      sent += n;
    }
    out.push({ type: 'append', entries: [entry('in', { type: 'assistant', message: { id, content: [{ type: 'text', text }] } })] });
    if (r.chance(0.5)) {
      const toolId = `toolu_s${msg}`;
      out.push({ type: 'append', entries: [entry('in', { type: 'assistant', message: { id, content: [{ type: 'tool_use', id: toolId, name: 'Bash', input: { command: 'npm test' } }] } })] });
      const lines = Array.from({ length: r.int(1, 60) }, () => sentence(r, 8)).join('\n');
      out.push({ type: 'append', entries: [entry('in', { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: toolId, content: lines }] }, tool_use_result: { stdout: lines, stderr: '' } })] });
    }
  }
  return out.slice(0, count);
}
