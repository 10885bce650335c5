/**
 * A SessionManager wired to the pinned real `claude` CLI and a FakeAnthropicApi: what every
 * engine-level integration test starts from.
 */
import { SessionManager, type SessionManagerOptions } from '../../src/core/session/manager.js';
import { FakeAnthropicApi, type Responder } from './fakeAnthropic.js';
import { CLAUDE_BIN, hermeticClaudeEnv, tempWorkspace, type HermeticClaudeEnv } from './realCli.js';

export interface Engine {
  api: FakeAnthropicApi;
  claude: HermeticClaudeEnv;
  workspace: string;
  manager: SessionManager;
  dispose(): Promise<void>;
}

/** `login`: `claudeAiLoginEnv` (realCli.ts) to run as a claude.ai login instead of an API key. */
export async function startEngine(
  responder?: Responder,
  options: Partial<SessionManagerOptions> = {},
  login?: (env: Record<string, string>) => Record<string, string | undefined>,
): Promise<Engine> {
  const api = await FakeAnthropicApi.start(responder);
  const claude = await hermeticClaudeEnv(api);
  const ws = await tempWorkspace();
  const env = login ? login(claude.env) : claude.env;
  const manager = new SessionManager({
    resolveBinary: async () => CLAUDE_BIN,
    environment: () => env,
    stop: { stdinGraceMs: 500, termGraceMs: 1500 },
    ...options,
  });
  return {
    api,
    claude,
    workspace: ws.dir,
    manager,
    async dispose() {
      manager.dispose();
      await api.close();
      await claude.dispose();
      await ws.dispose();
    },
  };
}

/** True while any process of the group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
