/**
 * What a browser test with the real CLI starts from: the .vsix, a fake Anthropic API answering
 * with `responder`, a hermetic CLI environment and a fresh workspace folder, made in before() and
 * removed in after(); `start()` runs code-server on them with Shannon pointed at the pinned CLI.
 */
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { FakeAnthropicApi, type Responder } from '../../support/fakeAnthropic';
import { CLAUDE_BIN, hermeticClaudeEnv, type HermeticClaudeEnv } from '../../support/realCli';
import { startCodeServer } from './codeServer';
import { buildShannonVsix } from './vsix';

export interface RealCliWorkbench {
  vsixPath: string;
  api: FakeAnthropicApi;
  claude: HermeticClaudeEnv;
  folder: string;
  /** code-server on the folder, with these user settings on top of the harness's. */
  start(settings?: Record<string, unknown>): ReturnType<typeof startCodeServer>;
}

/** Call inside a describe(): registers the before/after hooks; the fields are set once before() ran. */
export function realCliWorkbench(name: string, responder: Responder): RealCliWorkbench {
  const w = {
    start: (settings) => startCodeServer({ vsixPath: w.vsixPath, folder: w.folder, ...(settings ? { settings } : {}), env: { ...w.claude.env, SHANNON_CLAUDE_PATH: CLAUDE_BIN } }),
  } as RealCliWorkbench;
  before(async () => {
    w.vsixPath = await buildShannonVsix();
    w.api = await FakeAnthropicApi.start(responder);
    w.claude = await hermeticClaudeEnv(w.api, { CLAUDE_CODE_MAX_RETRIES: '0' });
    w.folder = await realpath(await mkdtemp(path.join(tmpdir(), `shannon-e2e-${name}-`)));
    await writeFile(path.join(w.folder, 'README.md'), `# ${name} e2e workspace\n`);
  });
  after(async () => {
    await w.api?.close();
    await w.claude?.dispose();
    if (w.folder) await rm(w.folder, { recursive: true, force: true });
  });
  return w;
}
