/**
 * Shannon's MCP server inside VS Code: Streamable HTTP on 127.0.0.1 with a bearer token (src/mcp),
 * over the very core the tree and the panels show, published to VS Code (Copilot agent mode)
 * through an MCP server definition provider.
 *
 * The server starts when VS Code first asks for the definitions, not during activation, and
 * stops when `shannon.mcp.enabled` is switched off. The port is remembered so that a client
 * configured by hand keeps working across reloads; the token is new each start.
 */
import * as vscode from 'vscode';
import { claudeConfigDir } from '../core/history/projectDirs.js';
import { folderHolding } from '../core/workspacePaths.js';
import type { McpHttpServer, McpHttpServerOptions } from '../mcp/http.js';
import type { ShannonMcpDeps } from '../mcp/deps.js';
import type { ClaudeBinaryService } from './claudeBinary.js';
import type { ShannonCore } from './core.js';
import { mcpPolicy } from './model/mcpAccess.js';
import { runDefaults } from './model/settings.js';
import type { Settings } from './settings.js';
import type { WorkspaceTrustGate } from './trust.js';

export const MCP_PROVIDER_ID = 'shannon.sessions';
const PORT_KEY = 'shannon.mcp.lastPort';

export type StartMcpServer = (deps: ShannonMcpDeps, options: Pick<McpHttpServerOptions, 'port' | 'idleSessionMs'>) => Promise<McpHttpServer>;

export class ShannonMcpProvider implements vscode.McpServerDefinitionProvider<vscode.McpHttpServerDefinition>, vscode.Disposable {
  private readonly onDidChangeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions: vscode.Event<void> = this.onDidChangeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.onDidChangeEmitter];
  private server: Promise<McpHttpServer> | undefined;
  private disposed = false;
  /** How often VS Code asked for the definitions (tests read it). */
  provideCount = 0;

  constructor(
    private readonly core: () => Promise<ShannonCore>,
    private readonly start: StartMcpServer,
    private readonly settings: Settings,
    private readonly trust: WorkspaceTrustGate,
    private readonly claude: ClaudeBinaryService,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      settings.onDidChange((e) => {
        if (!e.changed.has('mcp.enabled')) return;
        if (!e.settings.mcp.enabled) void this.stop();
        this.onDidChangeEmitter.fire();
      }),
      trust.onDidGrant(() => this.onDidChangeEmitter.fire()),
    );
  }

  /** The running server's endpoint, if any (tests and diagnostics). */
  async endpoint(): Promise<{ url: string; token: string } | undefined> {
    const server = await this.server?.catch(() => undefined);
    return server ? { url: server.url, token: server.token } : undefined;
  }

  async provideMcpServerDefinitions(token: vscode.CancellationToken): Promise<vscode.McpHttpServerDefinition[]> {
    this.provideCount++;
    if (!this.available()) return [];
    try {
      const server = await this.ensureServer();
      if (token.isCancellationRequested) return [];
      return [definitionFor(server)];
    } catch (err) {
      this.log.error(`MCP server did not start: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  async resolveMcpServerDefinition(definition: vscode.McpHttpServerDefinition): Promise<vscode.McpHttpServerDefinition | undefined> {
    if (!this.available()) return undefined;
    // The server may have been restarted (setting toggled) since VS Code got the definition.
    const server = await this.ensureServer();
    definition.uri = vscode.Uri.parse(server.url);
    definition.headers = { ...definition.headers, Authorization: `Bearer ${server.token}` };
    return definition;
  }

  dispose(): void {
    this.disposed = true;
    void this.stop();
    for (const d of this.disposables) d.dispose();
  }

  private available(): boolean {
    return !this.disposed && this.settings.current.mcp.enabled && this.trust.isTrusted;
  }

  private ensureServer(): Promise<McpHttpServer> {
    this.server ??= this.launch().catch((err: unknown) => {
      this.server = undefined;
      throw err;
    });
    return this.server;
  }

  private async launch(): Promise<McpHttpServer> {
    const core = await this.core();
    const deps: ShannonMcpDeps = {
      sessions: core.manager,
      transcripts: core.store,
      history: core.store,
      ...(core.checkpoints ? { checkpoints: core.checkpoints } : {}),
      worktrees: core.worktrees,
      locateClaude: () => this.claude.info(),
      // By real paths: getWorkspaceFolder compares names, and a link inside a folder may point out of it.
      workspaceFolderFor: (cwd) => folderHolding(cwd, (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath)),
      defaultCwd: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      // A person is at hand: permission asks from MCP-started sessions show in Shannon's UI.
      policy: () => mcpPolicy(this.settings.current),
      // The user's own defaults, kept by create_session where they are within the cap.
      sessionDefaults: () => runDefaults(this.settings.current),
      log: (message) => this.log.info(`mcp: ${message}`),
      claudeConfigDir: () => claudeConfigDir({ ...process.env, ...this.settings.current.environment }),
    };
    const server = await this.start(deps, {
      port: this.state.get<number>(PORT_KEY),
      // Read at every sweep: a changed setting applies without a restart.
      idleSessionMs: () => this.settings.current.mcp.sessionIdleMinutes * 60_000,
    });
    if (this.disposed) {
      await server.dispose();
      throw new Error('Shannon is shutting down.');
    }
    void this.state.update(PORT_KEY, server.port);
    this.log.info(`MCP server listening at ${server.url}`);
    return server;
  }

  private async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const s = await server?.catch(() => undefined);
    await s?.dispose();
  }
}

function definitionFor(server: McpHttpServer): vscode.McpHttpServerDefinition {
  return new vscode.McpHttpServerDefinition('Shannon (Claude Code sessions)', vscode.Uri.parse(server.url), { Authorization: `Bearer ${server.token}` }, '1');
}
