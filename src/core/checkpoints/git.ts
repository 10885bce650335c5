/**
 * Runs `git` two ways. `run` works on a shadow repository, sealed off from everything of the
 * user's: their repository (no discovery: GIT_DIR is always given), their global and system
 * config (filters, signing, hooks, excludes), and every GIT_* variable the host happens to carry.
 * `runInRepo` works in the user's own repository (worktrees): with their config (identity,
 * filters, line endings), but never an index or directory that a stray GIT_* variable of the
 * host would point it at, and never taking optional locks (a read leaves their index alone).
 */
import { spawn } from 'node:child_process';
import { copyFile, stat, utimes } from 'node:fs/promises';
import { devNull } from 'node:os';
import { ShannonError, type ShannonErrorCode } from '../errors.js';

/** What a runner is for: its errors say so, and it checks the git version that feature needs. */
export interface GitPurpose {
  /** "Checkpoints", "Worktrees": what needs git (the subject of the errors). */
  feature: string;
  /** Oldest git whose commands behave as this feature uses them. */
  minVersion: readonly [number, number];
  /** The code of a failed command. */
  failureCode: ShannonErrorCode;
  /** What the person can do when a command fails. */
  failureHint: string;
  /** What the person can do without git. */
  missingHint: string;
}

/** Checkpoints' plumbing: `checkout-index --stdin -z`, `ls-files -m -o` behave as used from 2.20. */
export const CHECKPOINTS_GIT: GitPurpose = {
  feature: 'Checkpoints',
  minVersion: [2, 20],
  failureCode: 'CHECKPOINT_FAILED',
  failureHint: 'The workspace files were not changed by this failure. If it repeats, check that the folder is readable and the disk has space.',
  missingHint: 'Install Git (https://git-scm.com/downloads) and restart VS Code, or turn automatic checkpoints off.',
};

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

  constructor(
    private readonly binary: string = 'git',
    private readonly purpose: GitPurpose = CHECKPOINTS_GIT,
  ) {}

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
    return this.spawnChecked([...config, ...args], { env: isolatedEnv(repo, options.indexFile), cwd: repo?.workTree }, options);
  }

  /**
   * A command in the user's repository (discovered from `dir`), with their config. `env` is
   * added last (e.g. `GIT_INDEX_FILE` for a private index). `stderr` of a failure is kept in
   * the error's message; `okExitCodes` results carry it too, for commands whose answer is there.
   */
  async runInRepo(dir: string, args: readonly string[], options: GitRunOptions & { env?: Record<string, string> } = {}): Promise<GitResult & { stderr: string }> {
    const env = repoEnv(options.indexFile);
    if (options.env) Object.assign(env, options.env);
    return this.spawnChecked(['-c', 'core.quotePath=false', ...args], { env, cwd: dir }, options);
  }

  private async spawnChecked(args: string[], where: { env: Record<string, string>; cwd: string | undefined }, options: GitRunOptions): Promise<GitResult & { stderr: string }> {
    const result = await spawnGit(this.binary, args, { ...where, input: options.input, signal: options.signal }, this.purpose);
    if (result.exitCode !== 0 && !(options.okExitCodes ?? []).includes(result.exitCode)) {
      const command = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? '';
      throw new ShannonError(this.purpose.failureCode, `git ${command} failed (exit ${result.exitCode}): ${lastLines(result.stderr) || 'no message'}`, this.purpose.failureHint);
    }
    return result;
  }

  private async probe(): Promise<string> {
    const { stdout } = await this.run(undefined, ['--version']);
    const text = stdout.toString('utf8').trim();
    const m = /(\d+)\.(\d+)/.exec(text);
    const major = Number(m?.[1] ?? 0);
    const minor = Number(m?.[2] ?? 0);
    const [minMajor, minMinor] = this.purpose.minVersion;
    if (major < minMajor || (major === minMajor && minor < minMinor)) {
      throw new ShannonError(
        'NOT_SUPPORTED',
        `${this.purpose.feature} need Git ${this.purpose.minVersion.join('.')} or newer; found "${text}".`,
        'Update Git (https://git-scm.com/downloads), then try again.',
      );
    }
    return text;
  }
}

/**
 * Variables that would point a command at another repository, index or object store than the
 * one found from its directory (a host started from a git hook carries GIT_DIR, for one).
 */
const REDIRECTING = /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|PREFIX|CEILING_DIRECTORIES|QUARANTINE_PATH|IMPLICIT_WORK_TREE|INDEX_VERSION|LITERAL_PATHSPECS|GLOB_PATHSPECS|NOGLOB_PATHSPECS|ICASE_PATHSPECS)$/i;

function repoEnv(indexFile: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !REDIRECTING.test(key)) env[key] = value;
  }
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_LITERAL_PATHSPECS: '1' });
  if (indexFile) env.GIT_INDEX_FILE = indexFile;
  return env;
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
  purpose: GitPurpose,
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
      reject(spawnError(binary, e, options.cwd, purpose));
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

function spawnError(binary: string, err: unknown, cwd: string | undefined, purpose: GitPurpose): ShannonError {
  const code = (err as { code?: unknown } | undefined)?.code;
  // With a cwd, ENOENT may be the folder vanishing; git itself was found by ensureAvailable().
  if ((code === 'ENOENT' || code === 'EACCES') && cwd === undefined) {
    return new ShannonError(
      'NOT_SUPPORTED',
      binary === 'git' ? `${purpose.feature} need Git, and it is not installed or not on PATH.` : `${purpose.feature} need Git, and "${binary}" could not be run.`,
      purpose.missingHint,
      { cause: err },
    );
  }
  return new ShannonError(purpose.failureCode, `Could not run git: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
}

/** Like AbortSignal.throwIfAborted(), with Shannon's CANCELLED error. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled(signal);
}

function cancelled(signal: AbortSignal | undefined): ShannonError {
  return new ShannonError('CANCELLED', 'The git operation was cancelled.', undefined, { cause: signal?.reason });
}

/**
 * Copies an index keeping its mtime: git trusts a cached stat only for entries older than the
 * index file itself ("racy git"), so a copy stamped now would hide a same-size edit made in the
 * same second as the index was written. Rounding the time down only makes git re-check more.
 * A missing index is no error: git then starts an empty one.
 */
export async function copyIndex(from: string, to: string): Promise<void> {
  let s;
  try {
    s = await stat(from);
  } catch {
    return;
  }
  await copyFile(from, to);
  await utimes(to, s.atime, new Date(Math.floor(s.mtimeMs)));
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
