/**
 * Runs `git` against a shadow repository, sealed off from everything of the user's: their
 * repository (no discovery: GIT_DIR is always given), their global and system config (filters,
 * signing, hooks, excludes), and every GIT_* variable the host happens to carry.
 */
import { spawn } from 'node:child_process';
import { devNull } from 'node:os';
import { ShannonError } from '../errors.js';

/** Oldest git whose plumbing behaves as used here (`checkout-index --stdin -z`, `ls-files -m -o`). */
const MIN_GIT: readonly [number, number] = [2, 20];

// Applied to every command: whatever the shadow repository's config file says, these hold.
const FIXED_CONFIG: readonly string[] = [
  'core.autocrlf=false',
  'core.safecrlf=false',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.quotePath=false',
  'core.longpaths=true',
  'core.bare=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'advice.addEmbeddedRepo=false',
  'commit.gpgSign=false',
];

export interface GitRunOptions {
  /** Index file for this command (a private copy per operation). */
  indexFile?: string;
  /** `core.excludesFile` for this command. */
  excludesFile?: string;
  input?: string | Uint8Array;
  signal?: AbortSignal;
  /** Exit codes that are answers, not failures (e.g. `cat-file -e` → 1). */
  okExitCodes?: readonly number[];
}

export interface GitResult {
  stdout: Buffer;
  exitCode: number;
}

export interface GitRepoLocation {
  gitDir: string;
  workTree: string;
  /** An empty directory: HOME and XDG_CONFIG_HOME for git, and core.hooksPath. */
  emptyDir: string;
}

export class GitRunner {
  private checked: Promise<string> | undefined;

  constructor(private readonly binary: string = 'git') {}

  /** Resolves with git's version, or fails with NOT_SUPPORTED saying how to get git. */
  ensureAvailable(): Promise<string> {
    this.checked ??= this.probe();
    // A failed probe is retried next time: the user may install git while VS Code runs.
    this.checked.catch(() => (this.checked = undefined));
    return this.checked;
  }

  async run(repo: GitRepoLocation | undefined, args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
    const config: string[] = [];
    if (repo) {
      for (const c of FIXED_CONFIG) config.push('-c', c);
      config.push('-c', `core.hooksPath=${repo.emptyDir}`);
      if (options.excludesFile) config.push('-c', `core.excludesFile=${options.excludesFile}`);
    }
    const result = await spawnGit(this.binary, [...config, ...args], {
      env: isolatedEnv(repo, options.indexFile),
      cwd: repo?.workTree,
      input: options.input,
      signal: options.signal,
    });
    if (result.exitCode !== 0 && !(options.okExitCodes ?? []).includes(result.exitCode)) {
      throw new ShannonError(
        'CHECKPOINT_FAILED',
        `git ${args[0] ?? ''} failed (exit ${result.exitCode}): ${lastLines(result.stderr) || 'no message'}`,
        'The workspace files were not changed by this failure. If it repeats, check that the folder is readable and the disk has space.',
      );
    }
    return { stdout: result.stdout, exitCode: result.exitCode };
  }

  private async probe(): Promise<string> {
    const { stdout } = await this.run(undefined, ['--version']);
    const text = stdout.toString('utf8').trim();
    const m = /(\d+)\.(\d+)/.exec(text);
    const major = Number(m?.[1] ?? 0);
    const minor = Number(m?.[2] ?? 0);
    if (major < MIN_GIT[0] || (major === MIN_GIT[0] && minor < MIN_GIT[1])) {
      throw new ShannonError(
        'NOT_SUPPORTED',
        `Checkpoints need Git ${MIN_GIT.join('.')} or newer; found "${text}".`,
        'Update Git (https://git-scm.com/downloads), then try again.',
      );
    }
    return text;
  }
}

function isolatedEnv(repo: GitRepoLocation | undefined, indexFile: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^GIT_/i.test(key)) env[key] = value;
  }
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: devNull,
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    // Paths are file names here, never patterns: `a[1].txt` means that file.
    GIT_LITERAL_PATHSPECS: '1',
    GIT_AUTHOR_NAME: 'Shannon',
    GIT_AUTHOR_EMAIL: 'checkpoints@shannon.invalid',
    GIT_COMMITTER_NAME: 'Shannon',
    GIT_COMMITTER_EMAIL: 'checkpoints@shannon.invalid',
  });
  if (repo) {
    // Before 2.32 git ignores GIT_CONFIG_GLOBAL and reads ~/.gitconfig: give it an empty home.
    env.HOME = repo.emptyDir;
    env.XDG_CONFIG_HOME = repo.emptyDir;
    env.GIT_DIR = repo.gitDir;
    env.GIT_WORK_TREE = repo.workTree;
    if (indexFile) env.GIT_INDEX_FILE = indexFile;
  }
  return env;
}

/**
 * A short-lived git command: bytes in, bytes out, stderr tail kept, killed on abort. Plain
 * node:child_process is enough here (no process groups, no streaming).
 */
function spawnGit(
  binary: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string | undefined; input: string | Uint8Array | undefined; signal: AbortSignal | undefined },
): Promise<{ stdout: Buffer; stderr: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelled(options.signal));
      return;
    }
    const child = spawn(binary, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => {
      // Only the end is reported; a runaway stderr must not fill memory.
      err.push(d);
      errBytes += d.length;
      while (errBytes > 64 * 1024 && err.length > 1) errBytes -= err.shift()!.length;
    });
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(spawnError(binary, e, options.cwd));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) {
        reject(cancelled(options.signal));
        return;
      }
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim(), exitCode: code ?? (signal ? 128 : -1) });
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // git exiting early surfaces as its exit code
      child.stdin.end(options.input);
    }
  });
}

function spawnError(binary: string, err: unknown, cwd?: string): ShannonError {
  const code = (err as { code?: unknown } | undefined)?.code;
  // With a cwd, ENOENT may be the folder vanishing; git itself was found by ensureAvailable().
  if ((code === 'ENOENT' || code === 'EACCES') && cwd === undefined) {
    return new ShannonError(
      'NOT_SUPPORTED',
      binary === 'git' ? 'Checkpoints need Git, and it is not installed or not on PATH.' : `Checkpoints need Git, and "${binary}" could not be run.`,
      'Install Git (https://git-scm.com/downloads) and restart VS Code, or turn automatic checkpoints off.',
      { cause: err },
    );
  }
  return new ShannonError('CHECKPOINT_FAILED', `Could not run git: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}

/** Like AbortSignal.throwIfAborted(), with Shannon's CANCELLED error. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled(signal);
}

function cancelled(signal: AbortSignal | undefined): ShannonError {
  return new ShannonError('CANCELLED', 'The checkpoint operation was cancelled.', undefined, { cause: signal?.reason });
}

function lastLines(text: string): string {
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('hint:')).slice(-3).join(' ').slice(0, 500);
}

/** NUL-separated git output as strings (the trailing NUL gives no empty item). */
export function splitNul(buf: Buffer): string[] {
  const out = buf.toString('utf8').split('\0');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
