/**
 * Finding the `claude` binary Shannon runs, and proving it works before the first session does:
 * it must exist, be executable, answer `--version` with a version at least MIN_CLAUDE_VERSION.
 *
 * Order: the host's explicit path (passed in), `SHANNON_CLAUDE_PATH`, PATH, then the places the
 * installers use. The last step matters because an editor started from a desktop launcher often
 * has a shorter PATH than the user's shell: a CLI installed through nvm, Volta or the native
 * installer is then on nobody's PATH but still on disk. A path the user named is used or
 * reported, never replaced by another binary found elsewhere.
 */
import { constants as fsConstants, promises as nodeFs } from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { ShannonError, type ShannonErrorCode } from '../errors.js';
import { expandHome, knownPlaces, type PlaceContext } from './installPlaces.js';
import { formatSemVer, meetsMinimum, MIN_CLAUDE_VERSION, parseClaudeVersion } from './version.js';

export type ClaudeSource = 'setting' | 'env' | 'path' | 'known-location';

/** The `claude` Shannon runs: the one description of it every layer uses. */
export interface ClaudeBinary {
  path: string;
  /** As `--version` reported it, normalised: `2.1.197`. */
  version: string;
  source: ClaudeSource;
  /** Where it was found, as a person names it: `PATH`, `~/.nvm/versions/node/*\/bin`, the host's setting. */
  place: string;
}

/** A file Shannon looks at. `place` is how a person would name where it is (`PATH`, `~/.nvm/versions/node/*\/bin`). */
export interface ClaudeCandidate {
  path: string;
  source: ClaudeSource;
  place: string;
}

export type CandidateOutcome = 'ok' | 'missing' | 'directory' | 'not-executable' | 'too-old' | 'broken';

/** What looking at one candidate found. */
export interface CandidateReport extends ClaudeCandidate {
  outcome: CandidateOutcome;
  version?: string;
  /** For people: why it was not used. */
  detail?: string;
}

export interface RunResult {
  /** Undefined when the process could not start or a signal ended it. */
  exitCode?: number;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  canceled?: boolean;
  /** Node's code when it could not be started (`ENOENT`, `EACCES`, `ENOEXEC`…). */
  errorCode?: string;
  errorMessage?: string;
}

/** Runs a program to completion. Resolves even when it fails; rejects only on a bug. */
export type RunFunction = (file: string, args: readonly string[], timeoutMs: number, signal?: AbortSignal) => Promise<RunResult>;

/** The few file-system calls the locator makes, so tests can describe another machine. */
export interface LocatorFileSystem {
  /** Follows symbolic links. */
  stat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean }>;
  /** Does not follow symbolic links (tells a dangling link from nothing). */
  lstat(path: string): Promise<unknown>;
  access(path: string, mode: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<string>;
}

export interface ClaudeLocatorDeps {
  /** Where PATH, SHANNON_CLAUDE_PATH, NVM_DIR… are read. The probe itself inherits the host's environment. */
  env?: Readonly<Record<string, string | undefined>>;
  homedir?: string;
  platform?: NodeJS.Platform;
  run?: RunFunction;
  fs?: LocatorFileSystem;
  /** How long `claude --version` may take. */
  timeoutMs?: number;
  minVersion?: string;
  /**
   * How the host names the explicit path in its messages: the extension's setting, shannon-mcp's
   * flag (`--claude`). Default: "claude path".
   */
  explicitPathName?: string;
}

export interface LocateOptions {
  /** The path the host was told to use (a setting, a flag); empty means "search". */
  explicitPath?: string;
  signal?: AbortSignal;
  /** Look again even if a binary was found before. */
  refresh?: boolean;
}

/** A locate failure, with every place looked at (for the log and the welcome view). */
export class ClaudeLocateError extends ShannonError {
  constructor(
    code: ShannonErrorCode,
    message: string,
    hint: string,
    /** One line per candidate: `path (place): outcome — detail`. */
    readonly searched: readonly string[],
    readonly attempts: readonly CandidateReport[],
  ) {
    super(code, message, hint, { fix: code === 'CLAUDE_NOT_FOUND' ? 'install-claude' : 'choose-claude' });
  }
}

export const DEFAULT_VERSION_TIMEOUT_MS = 10_000;
const INSTALL = '`npm install -g @anthropic-ai/claude-code`';

export const defaultRun: RunFunction = async (file, args, timeoutMs, signal) => {
  // Loaded on first use: the locator is made at activation, execa is needed only to look.
  const { execa } = await import('execa');
  const r = await execa(file, [...args], {
    timeout: timeoutMs,
    cancelSignal: signal,
    reject: false,
    stdin: 'ignore',
    maxBuffer: 1024 * 1024,
    forceKillAfterDelay: 2_000,
  });
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    timedOut: r.timedOut,
    canceled: r.isCanceled,
    errorCode: r.code,
    errorMessage: r.failed ? (r.originalMessage ?? r.shortMessage) : undefined,
  };
};

const defaultFs: LocatorFileSystem = {
  stat: (p) => nodeFs.stat(p),
  lstat: (p) => nodeFs.lstat(p),
  access: (p, mode) => nodeFs.access(p, mode),
  readdir: (p) => nodeFs.readdir(p),
  readFile: (p) => nodeFs.readFile(p, 'utf8'),
};

export class ClaudeLocator {
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly home: string;
  private readonly platform: NodeJS.Platform;
  private readonly run: RunFunction;
  private readonly fs: LocatorFileSystem;
  private readonly timeoutMs: number;
  private readonly minVersion: string;
  private readonly path: typeof nodePath.posix;
  private readonly explicitName: string;
  private readonly cache = new Map<string, ClaudeBinary>();
  private lastReports: CandidateReport[] = [];
  private readonly place: PlaceContext;

  constructor(deps: ClaudeLocatorDeps = {}) {
    this.env = deps.env ?? process.env;
    this.home = deps.homedir ?? os.homedir();
    this.platform = deps.platform ?? process.platform;
    this.run = deps.run ?? defaultRun;
    this.fs = deps.fs ?? defaultFs;
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_VERSION_TIMEOUT_MS;
    this.minVersion = deps.minVersion ?? MIN_CLAUDE_VERSION;
    this.path = this.platform === 'win32' ? nodePath.win32 : nodePath.posix;
    this.explicitName = deps.explicitPathName ?? 'claude path';
    this.place = { platform: this.platform, home: this.home, path: this.path, fs: this.fs, env: (name) => this.getEnv(name) };
  }

  /** What the last `locate` looked at, in order (the cache answering does not change it). */
  get lastSearch(): readonly CandidateReport[] {
    return this.lastReports;
  }

  /** Forget the binary found, e.g. after `claude update` or a settings change. */
  invalidate(): void {
    this.cache.clear();
  }

  async locate(opts: LocateOptions = {}): Promise<ClaudeBinary> {
    const explicit = opts.explicitPath?.trim() || undefined;
    const fromEnv = this.env.SHANNON_CLAUDE_PATH?.trim() || undefined;
    const key = `${explicit ?? ''}\0${explicit ? '' : (fromEnv ?? '')}`;
    const cached = this.cache.get(key);
    if (cached && !opts.refresh && (await this.isFile(cached.path))) return cached;
    this.cache.delete(key);

    const found = explicit
      ? await this.locateNamed(explicit, 'setting', opts.signal)
      : fromEnv
        ? await this.locateNamed(fromEnv, 'env', opts.signal)
        : await this.search(opts.signal);
    this.cache.set(key, found);
    return found;
  }

  /** Every file a search (no setting, no env) would look at, in order. */
  async candidates(): Promise<ClaudeCandidate[]> {
    return (await this.searchPlan()).candidates;
  }

  private async searchPlan(): Promise<{ candidates: ClaudeCandidate[]; places: string[] }> {
    const seen = new Set<string>();
    const out: ClaudeCandidate[] = [];
    const add = (c: ClaudeCandidate) => {
      const id = this.platform === 'win32' ? c.path.toLowerCase() : c.path;
      if (seen.has(id)) return;
      seen.add(id);
      out.push(c);
    };
    for (const c of this.onPath('claude')) add(c);
    const places = await knownPlaces(this.place);
    for (const place of places) {
      for (const dir of place.dirs) for (const name of this.executableNames('claude')) add({ path: this.path.join(dir, name), source: 'known-location', place: place.label });
    }
    return { candidates: out, places: places.map((p) => p.label) };
  }

  // ── the named binary: used or reported, never swapped ──

  private async locateNamed(raw: string, source: 'setting' | 'env', signal?: AbortSignal): Promise<ClaudeBinary> {
    const label = source === 'setting' ? `\`${this.explicitName}\`` : 'SHANNON_CLAUDE_PATH';
    const value = expandHome(this.place, raw);
    let candidate: ClaudeCandidate;
    if (!/[\\/]/.test(value)) {
      // A bare command name ("claude", "claude-beta"): the user means "that command on PATH".
      const onPath = await this.firstExisting(this.onPath(value));
      if (!onPath) {
        this.lastReports = [];
        throw new ClaudeLocateError('CLAUDE_NOT_FOUND', `${label} is "${raw}", but no command of that name is on PATH.`, `Set ${label} to the full path of the claude binary (\`which claude\`, on Windows \`where claude\`, prints it), or clear it to let Shannon search.`, [], []);
      }
      candidate = { ...onPath, source };
    } else if (!this.path.isAbsolute(value)) {
      this.lastReports = [];
      throw new ClaudeLocateError('CLAUDE_NOT_FOUND', `${label} is "${raw}", a relative path; Shannon needs an absolute one.`, `Set ${label} to the full path of the claude binary, e.g. "${this.path.join(this.home, '.local', 'bin', 'claude')}".`, [], []);
    } else {
      candidate = { path: this.path.normalize(value), source, place: source === 'setting' ? this.explicitName : label };
    }

    const report = await this.probe(candidate, signal);
    this.lastReports = [report];
    if (report.outcome === 'ok') return this.binary(report);
    throw await this.namedFailure(report, label, raw);
  }

  private async namedFailure(report: CandidateReport, label: string, raw: string): Promise<ClaudeLocateError> {
    const p = report.path;
    const fail = (code: ShannonErrorCode, message: string, hint: string) => new ClaudeLocateError(code, message, hint, [describe(report)], [report]);
    const clear = `or clear ${label} to let Shannon search PATH`;
    switch (report.outcome) {
      case 'missing':
        return fail('CLAUDE_NOT_FOUND', `${label} is "${raw}", but ${report.detail ?? 'there is no file there'}.`, `Correct the path (\`which claude\`, on Windows \`where claude\`, prints where it is installed), ${clear}.`);
      case 'directory': {
        const inside = await this.firstExisting(this.executableNames('claude').map((name) => ({ path: this.path.join(p, name), source: report.source, place: label })));
        return fail('CLAUDE_NOT_EXECUTABLE', `${label} is "${raw}", which is a folder, not the claude program.`, inside ? `Use "${inside.path}" instead.` : `Point ${label} at the claude file itself, ${clear}.`);
      }
      default:
        return this.failure(report, clear);
    }
  }

  // ── the search ──

  private async search(signal?: AbortSignal): Promise<ClaudeBinary> {
    const reports: CandidateReport[] = [];
    this.lastReports = reports;
    const plan = await this.searchPlan();
    for (const candidate of plan.candidates) {
      const report = await this.probe(candidate, signal);
      reports.push(report);
      if (report.outcome === 'ok') return this.binary(report);
    }
    const searched = reports.map(describe);
    // A claude that exists but does not work says more than "not found".
    const unusable = reports.find((r) => r.outcome !== 'missing');
    if (unusable) {
      const e = this.failure(unusable, `or set \`${this.explicitName}\` to a claude that works`);
      throw new ClaudeLocateError(e.code, e.message, e.hint ?? '', searched, reports);
    }
    throw new ClaudeLocateError(
      'CLAUDE_NOT_FOUND',
      `Claude Code (the \`claude\` command) was not found on PATH or in the usual install places: ${[...new Set(plan.places)].join(', ')}.`,
      `Install it with ${INSTALL}, then try again; or set \`${this.explicitName}\` to the full path of the claude binary.`,
      searched,
      reports,
    );
  }

  private onPath(name: string): ClaudeCandidate[] {
    const pathVar = this.getEnv('PATH') ?? '';
    const out: ClaudeCandidate[] = [];
    for (let dir of pathVar.split(this.path.delimiter)) {
      dir = dir.trim().replace(/^"(.*)"$/, '$1');
      // Empty and relative entries would run whatever `claude` sits in the current directory.
      if (!dir || !this.path.isAbsolute(dir)) continue;
      for (const file of this.executableNames(name)) out.push({ path: this.path.join(dir, file), source: 'path', place: 'PATH' });
    }
    return out;
  }

  /** `claude` on POSIX; `claude.EXE`, `claude.CMD`… per PATHEXT on Windows (npm installs a .cmd shim). */
  private executableNames(name: string): string[] {
    if (this.platform !== 'win32') return [name];
    if (/\.[A-Za-z0-9]+$/.test(name)) return [name];
    const exts = (this.getEnv('PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';').map((e) => e.trim()).filter((e) => e.startsWith('.'));
    return exts.map((ext) => `${name}${ext.toLowerCase()}`);
  }

  // ── one candidate ──

  private async probe(candidate: ClaudeCandidate, signal?: AbortSignal): Promise<CandidateReport> {
    throwIfAborted(signal);
    const report = (outcome: CandidateOutcome, detail?: string, version?: string): CandidateReport => ({ ...candidate, outcome, detail, version });
    const p = candidate.path;

    let stat: { isFile(): boolean; isDirectory(): boolean };
    try {
      stat = await this.fs.stat(p);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EACCES' || code === 'EPERM') return report('not-executable', `Shannon may not read "${p}" (${code})`);
      const isLink = await this.fs.lstat(p).then(
        () => true,
        () => false,
      );
      return report('missing', isLink ? `it is a symbolic link to a file that no longer exists` : undefined);
    }
    if (stat.isDirectory()) return report('directory', 'a folder, not a program');
    if (this.platform !== 'win32') {
      try {
        await this.fs.access(p, fsConstants.X_OK);
      } catch {
        return report('not-executable', 'no permission to execute it');
      }
    }

    const r = await this.run(p, ['--version'], this.timeoutMs, signal);
    if (r.canceled || signal?.aborted) throwIfAborted(signal, true);
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    if (r.timedOut) return report('broken', `\`--version\` did not answer within ${seconds} s`);
    if (r.errorCode === 'EACCES') return report('not-executable', 'the system refused to run it (EACCES)');
    if (r.exitCode === undefined && r.signal === undefined) {
      const why = r.errorMessage ?? r.errorCode ?? 'it could not be started';
      const script = r.errorCode === 'ENOENT' ? '; if it is a script, the program on its first line (`node`, for an npm install) may be missing from PATH' : '';
      return report('broken', `it could not be started: ${why}${script}`);
    }
    if (r.exitCode !== 0) {
      const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`;
      const said = excerpt(r.stderr) || excerpt(r.stdout);
      return report('broken', `\`--version\` ${how}${said ? `: ${said}` : ''}`);
    }
    const version = parseClaudeVersion(r.stdout) ?? parseClaudeVersion(r.stderr);
    if (!version) {
      const firstLine = (r.stdout.trim() || r.stderr.trim()).split(/\r?\n/)[0] ?? '';
      return report('broken', `\`--version\` printed "${excerpt(firstLine, 120)}", which is not a Claude Code version`);
    }
    const v = formatSemVer(version);
    if (!meetsMinimum(version, this.minVersion)) return report('too-old', `version ${v}; Shannon needs ${this.minVersion} or later`, v);
    return report('ok', undefined, v);
  }

  /** The ShannonError for a candidate that exists but cannot be used. */
  private failure(report: CandidateReport, otherwise: string): ClaudeLocateError {
    const p = report.path;
    const fail = (code: ShannonErrorCode, message: string, hint: string) => new ClaudeLocateError(code, message, hint, [describe(report)], [report]);
    const at = report.source === 'path' || report.source === 'known-location' ? ` (found in ${report.place})` : '';
    const runIt = `Run \`"${p}" --version\` in a terminal to see the problem; reinstalling with ${INSTALL} repairs a damaged install, ${otherwise}.`;
    switch (report.outcome) {
      case 'directory':
        return fail('CLAUDE_NOT_EXECUTABLE', `"${p}"${at} is a folder, not the claude program.`, `Remove or rename it, ${otherwise}.`);
      case 'not-executable':
        return fail(
          'CLAUDE_NOT_EXECUTABLE',
          `"${p}"${at} is not executable: ${report.detail ?? 'permission denied'}.`,
          this.platform === 'win32' ? `Check that it is a program (.exe or .cmd), ${otherwise}.` : `Make it executable with \`chmod +x "${p}"\`, ${otherwise}.`,
        );
      case 'too-old':
        return fail(
          'CLAUDE_TOO_OLD',
          `Claude Code ${report.version ?? '?'} at "${p}" is too old: Shannon needs ${this.minVersion} or later.`,
          `Update it with \`claude update\` (or ${INSTALL.replace('claude-code', 'claude-code@latest')} if npm installed it), then try again.`,
        );
      case 'missing':
        return fail('CLAUDE_NOT_FOUND', `There is no claude at "${p}".`, `Install it with ${INSTALL}, ${otherwise}.`);
      default:
        return fail('CLAUDE_BROKEN', `Claude Code at "${p}"${at} does not work: ${report.detail ?? 'unknown failure'}.`, runIt);
    }
  }

  // ── helpers ──

  private binary(report: CandidateReport): ClaudeBinary {
    return { path: report.path, version: report.version ?? '', source: report.source, place: report.place };
  }

  private async firstExisting(candidates: ClaudeCandidate[]): Promise<ClaudeCandidate | undefined> {
    for (const c of candidates) if (await this.isFile(c.path)) return c;
    return undefined;
  }

  private async isFile(p: string): Promise<boolean> {
    return this.fs.stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** Windows environment names are case-insensitive (`Path`, `PATH`). */
  private getEnv(name: string): string | undefined {
    const direct = this.env[name];
    if (direct !== undefined || this.platform !== 'win32') return direct;
    const key = Object.keys(this.env).find((k) => k.toUpperCase() === name.toUpperCase());
    return key === undefined ? undefined : this.env[key];
  }
}

function describe(r: CandidateReport): string {
  return `${r.path} (${r.place}): ${r.outcome}${r.version && r.outcome !== 'too-old' ? ` ${r.version}` : ''}${r.detail ? ` — ${r.detail}` : ''}`;
}

/** A short, single-line excerpt of what a program printed. */
function excerpt(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\s+/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function throwIfAborted(signal: AbortSignal | undefined, force = false): void {
  if (signal?.aborted || force) throw new ShannonError('CANCELLED', 'Looking for Claude Code was cancelled.', undefined, { cause: signal?.reason });
}
