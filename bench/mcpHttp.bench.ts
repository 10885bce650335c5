/**
 * What idle MCP sessions of the in-host HTTP server cost, and what is left once they expire
 * (issue 13: 500 idle sessions held ~114 MiB for ever). Sessions are opened the way a client
 * does (initialize, then notifications/initialized) and left alone; no `claude` runs.
 *
 * Figures: heap held per idle session, heap left after the idle timeout closed them all (here
 * shortened to 1 s; 30 min by default), and what the default cap of 32 sessions bounds the
 * total to. SHANNON_BENCH_MCP_SESSIONS=<n> opens another number (the client's fetch runs in this
 * process too: part of what is left after expiry is its own connection state).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_MAX_SESSIONS, startShannonMcpHttpServer } from '../src/mcp/http';
import { openStandalone } from '../src/mcp/standalone';
import { formatBytes, formatMs, printTable, type BenchContext } from './lib';

const SESSIONS = Number(process.env.SHANNON_BENCH_MCP_SESSIONS) || 500;

export default async function mcpHttpBench(ctx: BenchContext): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shannon-mcp-bench-'));
  const standalone = await openStandalone({ dataDir, log: () => undefined });
  // Nothing expires while the sessions are opened and measured; then the idle time drops to 1 s.
  let idleMs = 3_600_000;
  const http = await startShannonMcpHttpServer(standalone.deps, { idleSessionMs: () => idleMs, maxSessions: SESSIONS + 1, timeouts: { sweepEveryMs: 250 } });
  const post = (body: unknown, session?: string) =>
    fetch(http.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${http.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
      },
      body: JSON.stringify(body),
    });
  const heap = () => {
    ctx.gc();
    return process.memoryUsage().heapUsed;
  };
  try {
    // One session first: the server's own lazily made parts are not counted as per-session cost.
    await openSession(post);
    idleMs = 1;
    await waitFor(() => http.sessionCount === 0, 10_000);
    idleMs = 3_600_000;
    const base = heap();
    const started = performance.now();
    for (let i = 0; i < SESSIONS; i++) await openSession(post);
    const openMs = performance.now() - started;
    const held = heap() - base;
    if (http.sessionCount !== SESSIONS) throw new Error(`${http.sessionCount} sessions open, not ${SESSIONS}`);
    idleMs = 1_000;
    const expiryStarted = performance.now();
    await waitFor(() => http.sessionCount === 0, 30_000);
    const expiredAfter = performance.now() - expiryStarted;
    const left = heap() - base;
    printTable(ctx, ['', 'heap'], [
      [`${SESSIONS} idle MCP sessions, held`, formatBytes(held)],
      ['per idle session', formatBytes(held / SESSIONS)],
      [`after they expired (idle time set to 1 s: gone in ${formatMs(expiredAfter)})`, formatBytes(left)],
      [`bound at the default cap of ${DEFAULT_MAX_SESSIONS} sessions`, formatBytes((held / SESSIONS) * DEFAULT_MAX_SESSIONS)],
    ]);
    ctx.log(`opening ${SESSIONS} sessions took ${formatMs(openMs)} (${formatMs(openMs / SESSIONS)} each)`);
  } finally {
    await http.dispose();
    await standalone.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function openSession(post: (body: unknown, session?: string) => Promise<Response>): Promise<void> {
  const res = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
  const id = res.headers.get('mcp-session-id');
  await res.text();
  if (!id) throw new Error(`initialize answered ${res.status} without a session id`);
  const ack = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, id);
  await ack.text();
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the MCP sessions to expire');
    await new Promise((r) => setTimeout(r, 50));
  }
}
