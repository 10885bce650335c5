/**
 * Running the pinned real `claude` CLI hermetically: its own HOME and config dir, talking only to
 * a FakeAnthropicApi on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FakeAnthropicApi } from './fakeAnthropic.js';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * node_modules/.bin/claude links to @anthropic-ai/claude-code/bin/claude.exe, which the package's
 * postinstall replaces with the native binary (a hard link of the platform package's `claude`).
 * Spawning it directly skips Node entirely: `--version` in ~0.2 s.
 */
export const CLAUDE_BIN: string = (() => {
  const candidates = [
    path.join(REPO_ROOT, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
    path.join(REPO_ROOT, 'node_modules', '@anthropic-ai', `claude-code-${process.platform}-${process.arch}`, 'claude'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
})();

export interface HermeticClaudeEnv {
  env: Record<string, string>;
  home: string;
  configDir: string;
  /** Where the CLI writes session transcripts for a session run in `cwd`. */
  transcriptsDir(cwd: string): string;
  dispose(): Promise<void>;
}

export async function hermeticClaudeEnv(api: FakeAnthropicApi): Promise<HermeticClaudeEnv> {
  const home = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-home-')));
  const configDir = path.join(home, '.claude');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: process.env.USER ?? 'shannon',
    LANG: 'C.UTF-8',
    TMPDIR: tmpdir(),
    SHELL: '/bin/bash',
    TERM: 'dumb',
    CLAUDE_CONFIG_DIR: configDir,
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: 'sk-ant-fake-key-for-tests',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    NO_PROXY: '127.0.0.1,localhost',
  };
  return {
    env,
    home,
    configDir,
    transcriptsDir: (cwd: string) => path.join(configDir, 'projects', cwd.replace(/[^a-zA-Z0-9]/g, '-')),
    dispose: () => rm(home, { recursive: true, force: true }),
  };
}

export async function tempWorkspace(): Promise<{ dir: string; dispose(): Promise<void> }> {
  // realpath: on some systems tmpdir() is a symlink and the CLI reports the resolved cwd.
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'shannon-ws-')));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
