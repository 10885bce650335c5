/**
 * Where the Claude Code CLI keeps a folder's transcripts:
 * `<config dir>/projects/<encoded cwd>/<session id>.jsonl`.
 *
 * The encoding, as the CLI 2.1.197 writes it and the Agent SDK reads it (`sdk.mjs`), checked on
 * real files: every UTF-16 code unit of the cwd that is not an ASCII letter or digit becomes `-`
 * (`/tmp/My Proj.v2_ü-€😀 x` → `-tmp-My-Proj-v2-------x`: the emoji, a surrogate pair, gives two).
 * Past 200 characters the name is cut at 200 and a hash is appended, which differs between the
 * CLI's runtimes, so long names are matched by prefix. The encoding is lossy (`/a/b-c` and
 * `/a/b_c` share a directory), so a transcript's own `cwd` field decides where it belongs.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';

const MAX_NAME = 200;
const SESSION_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;
const HEAD_BYTES = 256 * 1024;

/** `$CLAUDE_CONFIG_DIR`, else `~/.claude`. */
export function claudeConfigDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const dir = env.CLAUDE_CONFIG_DIR?.trim() || path.join(home, '.claude');
  return dir.normalize('NFC');
}

/** The project directory name the CLI uses for `cwd` (without the long-name hash). */
export function encodeProjectDir(cwd: string): string {
  const encoded = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  return encoded.length <= MAX_NAME ? encoded : `${encoded.slice(0, MAX_NAME)}-${javaStringHash(cwd)}`;
}

export interface TranscriptFile {
  file: string;
  /** The CLI session id: the file's name. */
  cliSessionId: string;
  /** The session's working directory, from the transcript. */
  cwd: string;
  size: number;
  mtimeMs: number;
}

/**
 * The transcripts of sessions run in `folder` or any folder below it, newest first. Reads only
 * the head of each candidate file (for its `cwd`).
 */
export async function findTranscripts(configDir: string, folder: string): Promise<TranscriptFile[]> {
  const projects = path.join(configDir, 'projects');
  const roots = await folderForms(folder);
  let names: string[];
  try {
    names = (await readdir(projects, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const found: TranscriptFile[] = [];
  for (const name of names) {
    if (!roots.some((root) => couldHold(name, root))) continue;
    const dir = path.join(projects, name);
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      continue;
    }
    for (const base of files) {
      const m = SESSION_FILE.exec(base);
      if (!m) continue;
      const file = path.join(dir, base);
      const s = await stat(file).catch(() => undefined);
      if (!s?.isFile() || s.size === 0) continue;
      const cwd = (await readCwd(file)) ?? roots.find((root) => encodeProjectDir(root) === name);
      if (!cwd || !roots.some((root) => isInside(cwd, root))) continue;
      found.push({ file, cliSessionId: m[1]!.toLowerCase(), cwd, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/** The folder as given and as resolved (the CLI records the resolved cwd). */
async function folderForms(folder: string): Promise<string[]> {
  const forms = new Set([stripSep(path.resolve(folder)).normalize('NFC')]);
  const real = await realpath(folder).catch(() => undefined);
  if (real) forms.add(stripSep(real).normalize('NFC'));
  return [...forms];
}

/** Whether a project directory name can belong to `root` or a folder below it. */
function couldHold(name: string, root: string): boolean {
  const prefix = root.replace(/[^a-zA-Z0-9]/g, '-');
  if (prefix.length >= MAX_NAME) return name.startsWith(prefix.slice(0, MAX_NAME));
  return name === prefix || name.startsWith(prefix + '-');
}

function isInside(cwd: string, root: string): boolean {
  const c = stripSep(cwd).normalize('NFC');
  return c === root || c.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function stripSep(p: string): string {
  return p.length > 1 && p.endsWith(path.sep) && !/^[A-Za-z]:\\$/.test(p) ? p.slice(0, -1) : p;
}

/** The first `cwd` field in the file's first lines. */
async function readCwd(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    const lines = buf.subarray(0, bytesRead).toString('utf8').split('\n');
    if (bytesRead === HEAD_BYTES) lines.pop(); // cut mid-line
    for (const line of lines) {
      if (!line.includes('"cwd"')) continue;
      try {
        const value = JSON.parse(line) as { cwd?: unknown };
        if (typeof value.cwd === 'string' && value.cwd) return value.cwd;
      } catch {
        // a garbage line: keep looking
      }
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** The Agent SDK's hash for long names: Java's String.hashCode, absolute, base 36. */
function javaStringHash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = ((h << 5) - h + s.charCodeAt(i)) | 0;
  return Math.abs(h).toString(36);
}
