/**
 * The MCP server on Streamable HTTP, for a host that runs the core itself (the VS Code extension):
 * bound to 127.0.0.1 on a free port, guarded by a bearer token made at start, and refusing any
 * Host or Origin that is not loopback (a web page cannot reach it through DNS rebinding). Each
 * MCP client gets its own stateful session (the `mcp-session-id` header) and its own McpServer.
 *
 * Nothing is held for ever: an MCP session with no request in flight for `idleSessionMs` is
 * closed (its client gets 404 and, as the spec asks, initializes again), at most `maxSessions`
 * are kept (a new one evicts the longest idle, or is refused when all are busy), and a slow
 * client gets seconds, not Node's minutes, to send its headers and body. A `wait`ing tool call
 * is a request in flight: it is never expired, and its response may stream for as long as it needs.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ShannonMcpDeps } from './deps.js';
import { createShannonMcpServer } from './server.js';

export interface McpHttpServerOptions {
  /** A port to try first (e.g. the last one, so clients keep their URL); 0 or taken: any free port. */
  port?: number;
  /** The bearer token; default 32 random bytes. */
  token?: string;
  /** Largest request body accepted (bytes). Default 4 MiB. */
  maxBodyBytes?: number;
  /** An MCP session with no request in flight this long is closed. Read at every sweep. Default 30 min. */
  idleSessionMs?: number | (() => number);
  /** MCP sessions kept at once. Default 32. */
  maxSessions?: number;
  /** How long a client may take to send a request; tests shorten them. */
  timeouts?: Partial<McpHttpTimeouts>;
}

export interface McpHttpTimeouts {
  /** Request line and headers (Node's default: 60 s). */
  headersMs: number;
  /** The whole request, body included; not the response (Node's default: 300 s). */
  requestMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveMs: number;
  /** How often Node checks the first two. */
  checkEveryMs: number;
  /** How often idle MCP sessions are looked for; default a quarter of the idle time, at most 1 min. */
  sweepEveryMs?: number;
}

export const DEFAULT_IDLE_SESSION_MS = 30 * 60_000;
export const DEFAULT_MAX_SESSIONS = 32;
const DEFAULT_TIMEOUTS: McpHttpTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, checkEveryMs: 1_000 };

export interface McpHttpServer {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** MCP client sessions currently open. */
  readonly sessionCount: number;
  /** Closes every MCP session and the listening socket. */
  dispose(): Promise<void>;
}

export const MCP_PATH = '/mcp';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

interface Client {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** POST/DELETE requests not yet answered (a `wait`ing tool call among them). The GET event stream does not count. */
  inFlight: number;
  lastActive: number;
}

export async function startShannonMcpHttpServer(deps: ShannonMcpDeps, options: McpHttpServerOptions = {}): Promise<McpHttpServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const idleMs = () => {
    const v = typeof options.idleSessionMs === 'function' ? options.idleSessionMs() : options.idleSessionMs;
    return v !== undefined && v > 0 ? v : DEFAULT_IDLE_SESSION_MS;
  };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const clients = new Map<string, Client>();
  let disposed = false;

  const httpServer = http.createServer({ connectionsCheckingInterval: timeouts.checkEveryMs }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.log?.(`MCP HTTP request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });
  httpServer.headersTimeout = timeouts.headersMs;
  httpServer.requestTimeout = timeouts.requestMs;
  httpServer.keepAliveTimeout = timeouts.keepAliveMs;

  const expire = (id: string, client: Client, why: string) => {
    clients.delete(id);
    deps.log?.(`MCP session ${id} closed: ${why}`);
    void client.server.close().catch(() => undefined);
  };
  const sweep = () => {
    const now = Date.now();
    const limit = idleMs();
    for (const [id, client] of clients) {
      if (client.inFlight === 0 && now - client.lastActive >= limit) expire(id, client, `idle for ${spell(now - client.lastActive)}`);
    }
  };
  const sweepEvery = () => timeouts.sweepEveryMs ?? Math.min(60_000, Math.max(1_000, idleMs() / 4));
  let sweeper: NodeJS.Timeout | undefined;
  const scheduleSweep = () => {
    sweeper = setTimeout(() => {
      sweep();
      if (!disposed) scheduleSweep();
    }, sweepEvery());
    sweeper.unref();
  };
  scheduleSweep();

  /** Room for one more session: the longest idle one goes; false when every session is busy. */
  const makeRoom = (): boolean => {
    if (clients.size < maxSessions) return true;
    let oldest: [string, Client] | undefined;
    for (const entry of clients) if (entry[1].inFlight === 0 && (!oldest || entry[1].lastActive < oldest[1].lastActive)) oldest = entry;
    if (!oldest) return false;
    expire(oldest[0], oldest[1], `the limit of ${maxSessions} MCP sessions was reached and it was idle the longest`);
    return true;
  };

  /** Counts a request against its session until its response is done (or its socket goes). */
  const track = (client: Client, req: http.IncomingMessage, res: http.ServerResponse) => {
    client.lastActive = Date.now();
    if (req.method === 'GET') return;
    client.inFlight++;
    res.once('close', () => {
      client.inFlight--;
      client.lastActive = Date.now();
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!isLoopbackHost(req.headers.host)) return plain(res, 403, 'Forbidden: Host is not loopback.');
    const origin = req.headers.origin;
    if (origin !== undefined && !isLoopbackOrigin(origin)) return plain(res, 403, 'Forbidden: Origin is not loopback.');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== MCP_PATH) return plain(res, 404, 'Not found.');
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="shannon"');
      return plain(res, 401, 'Unauthorized: send the Authorization header Shannon gave you.');
    }
    if (disposed) return plain(res, 503, 'Shutting down.');

    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBody);
      if (raw === undefined) return jsonRpcError(res, 413, -32600, 'Request body too large.');
      try {
        body = JSON.parse(raw);
      } catch {
        return jsonRpcError(res, 400, -32700, 'Parse error: the body is not JSON.');
      }
    }

    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    if (sessionId) {
      const client = clients.get(sessionId);
      if (!client) {
        return jsonRpcError(res, 404, -32001, `MCP session not found: it ended or expired (sessions idle for ${spell(idleMs())} are closed). Initialize a new one.`);
      }
      track(client, req, res);
      return client.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, -32000, 'Bad request: no mcp-session-id header, and the body is not an initialize request.');
    }
    if (!makeRoom()) {
      res.setHeader('Retry-After', '5');
      return jsonRpcError(res, 503, -32000, `Too many MCP sessions: all ${maxSessions} are busy with a request. Retry when one finishes, or end a session you no longer use (HTTP DELETE).`);
    }

    const server = createShannonMcpServer(deps);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const client: Client = { transport, server, inFlight: 0, lastActive: Date.now() };
        clients.set(id, client);
        track(client, req, res);
      },
    });
    const inner = server.server;
    const previous = inner.onclose;
    inner.onclose = () => {
      if (transport.sessionId) clients.delete(transport.sessionId);
      previous?.();
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  const port = await listen(httpServer, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}${MCP_PATH}`,
    token,
    port,
    get sessionCount() {
      return clients.size;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(sweeper);
      const open = [...clients.values()];
      clients.clear();
      await Promise.allSettled(open.map((c) => c.server.close()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** "30 min", "1.5 s". */
function spell(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 100) / 10} s`;
}

function listen(server: http.Server, port: number): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => {
        server.off('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(p, '127.0.0.1');
    });
  return port ? attempt(port).catch(() => attempt(0)) : attempt(0);
}

/** The hostname of a Host header (`name`, `name:port`, `[v6]:port`), loopback only. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
  } catch {
    return false;
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooBig = true;
      else parts.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function jsonRpcError(res: http.ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
