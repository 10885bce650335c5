/**
 * The MCP server on Streamable HTTP, for a host that runs the core itself (the VS Code extension):
 * bound to 127.0.0.1 on a free port, guarded by a bearer token made at start, and refusing any
 * Host or Origin that is not loopback (a web page cannot reach it through DNS rebinding). Each
 * MCP client gets its own stateful session (the `mcp-session-id` header) and its own McpServer.
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
}

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
}

export async function startShannonMcpHttpServer(deps: ShannonMcpDeps, options: McpHttpServerOptions = {}): Promise<McpHttpServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const clients = new Map<string, Client>();
  let disposed = false;

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.log?.(`MCP HTTP request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });

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
      if (!client) return jsonRpcError(res, 404, -32001, 'Session not found: initialize again.');
      return client.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, -32000, 'Bad request: no mcp-session-id header, and the body is not an initialize request.');
    }

    const server = createShannonMcpServer(deps);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        clients.set(id, { transport, server });
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
      const open = [...clients.values()];
      clients.clear();
      await Promise.allSettled(open.map((c) => c.server.close()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
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
