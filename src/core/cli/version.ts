/**
 * Versions of the `claude` CLI: reading what `claude --version` prints and comparing it with
 * what Shannon needs. Semantic-version ordering, pre-releases included (2.1.0-beta.1 < 2.1.0).
 */

/**
 * The oldest CLI Shannon drives. Everything Shannon sends exists from here on:
 * - 2.0.0 (the release the Agent SDK 0.1.0 shipped with): stream-json input with the control
 *   protocol (`initialize`, `can_use_tool` via `--permission-prompt-tool stdio`, `interrupt`),
 *   `--include-partial-messages`, `--resume` with `--fork-session`, `--resume-session-at`.
 * - 2.0.73: `--session-id` together with `--resume … --fork-session` (Shannon names its forks).
 * - 2.1.0: `*` wildcards anywhere in permission rules, the `Bash(git log *)` syntax Shannon's
 *   allow/deny lists are written in; older CLIs read such a rule literally and never match it.
 * Raising it costs users an update (`claude update`); lowering it needs each item re-checked.
 */
export const MIN_CLAUDE_VERSION = '2.1.0';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers (`beta.1` → `['beta', '1']`); empty for a release. */
  prerelease: readonly string[];
}

// Build metadata (`+…`) is accepted and ignored, as semver says it must be for ordering.
const VERSION = /(?:^|[^0-9A-Za-z.])v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?(?![.\d]*\d)/;

/** One version, written alone: `2.1.197`, `v2.1.197`, `2.1.0-beta.1+abc`. */
export function parseSemVer(text: string): SemVer | undefined {
  const m = /^\s*v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?\s*$/.exec(text);
  return m ? fromMatch(m) : undefined;
}

/**
 * The CLI's version from `claude --version` output: `2.1.197 (Claude Code)` today, but warnings
 * may come first (a deprecated Node, a pending update) and wrappers may add a `v` or a suffix.
 * A line naming Claude Code wins over any other line that happens to contain a version.
 */
export function parseClaudeVersion(output: string): SemVer | undefined {
  const lines = output.split(/\r?\n/).filter((line) => line.trim() !== '');
  const named = lines.filter((line) => /claude/i.test(line));
  for (const line of [...named, ...lines]) {
    const m = VERSION.exec(line);
    if (m) return fromMatch(m);
  }
  return undefined;
}

export function formatSemVer(v: SemVer): string {
  return v.prerelease.length ? `${v.major}.${v.minor}.${v.patch}-${v.prerelease.join('.')}` : `${v.major}.${v.minor}.${v.patch}`;
}

/** Negative when a < b, 0 when equal, positive when a > b (semver precedence). */
export function compareSemVer(a: SemVer, b: SemVer): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  // A release outranks its pre-releases.
  if (!a.prerelease.length || !b.prerelease.length) return Math.sign(b.prerelease.length - a.prerelease.length);
  const n = Math.max(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareIdentifier(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** Whether `version` is at least `minimum` (default: MIN_CLAUDE_VERSION). Unparseable → false. */
export function meetsMinimum(version: SemVer | string, minimum: SemVer | string = MIN_CLAUDE_VERSION): boolean {
  const v = typeof version === 'string' ? parseSemVer(version) : version;
  const min = typeof minimum === 'string' ? parseSemVer(minimum) : minimum;
  if (!min) throw new Error(`Not a version: ${String(minimum)}`);
  return v !== undefined && compareSemVer(v, min) >= 0;
}

function compareIdentifier(x: string, y: string): number {
  const xn = /^\d+$/.test(x);
  const yn = /^\d+$/.test(y);
  if (xn && yn) return Math.sign(Number(x) - Number(y));
  if (xn !== yn) return xn ? -1 : 1; // numeric identifiers sort before alphanumeric ones
  return x < y ? -1 : x > y ? 1 : 0;
}

function fromMatch(m: RegExpExecArray): SemVer {
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split('.') : [],
  };
}
