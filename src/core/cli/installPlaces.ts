/**
 * The places installers put `claude` (npm, the native installer, nvm, Volta, asdf, mise, fnm,
 * bun, pnpm, Homebrew…): searched after PATH, because an editor started from a desktop launcher
 * often has a shorter PATH than the user's shell.
 */
import type * as nodePath from 'node:path';
import type { LocatorFileSystem } from './locate.js';
import { parseSemVer } from './version.js';

/** The machine the search describes (tests pass another one). */
export interface PlaceContext {
  platform: NodeJS.Platform;
  home: string;
  path: typeof nodePath.posix;
  fs: LocatorFileSystem;
  /** An environment variable (case-insensitive on Windows). */
  env(name: string): string | undefined;
}

export async function knownPlaces(ctx: PlaceContext): Promise<{ label: string; dirs: string[] }[]> {
  const j = ctx.path.join;
  const home = ctx.home;
  const env = (name: string) => ctx.env(name)?.trim() || undefined;
  const places: { label?: string; dir: string; glob?: string }[] = [];
  const add = (dir: string | undefined, glob?: string) => {
    if (dir) places.push({ dir, glob });
  };

  if (ctx.platform === 'win32') {
    const appData = env('APPDATA') ?? j(home, 'AppData', 'Roaming');
    const localAppData = env('LOCALAPPDATA') ?? j(home, 'AppData', 'Local');
    add(j(appData, 'npm'));
    add(j(home, '.local', 'bin')); // the native installer
    add(env('npm_config_prefix'));
    add(env('NVM_SYMLINK')); // nvm-windows
    add(j(env('VOLTA_HOME') ?? j(localAppData, 'Volta'), 'bin'));
    add(env('PNPM_HOME') ?? j(localAppData, 'pnpm'));
    add(j(env('ProgramFiles') ?? 'C:\\Program Files', 'nodejs'));
  } else {
    const dataHome = env('XDG_DATA_HOME') ?? j(home, '.local', 'share');
    add(j(home, '.claude', 'local')); // `claude migrate-installer`
    add(j(home, '.local', 'bin')); // the native installer
    const npmPrefix = env('npm_config_prefix') ?? env('NPM_CONFIG_PREFIX');
    add(npmPrefix && j(npmPrefix, 'bin'));
    const npmrc = await npmrcPrefix(ctx);
    add(npmrc && j(npmrc, 'bin'));
    add(j(home, '.npm-global', 'bin'));
    add('/opt/homebrew/bin');
    add('/usr/local/bin');
    add('/usr/bin');
    add(j(env('VOLTA_HOME') ?? j(home, '.volta'), 'bin'));
    add(j(env('ASDF_DATA_DIR') ?? j(home, '.asdf'), 'shims'));
    add(j(env('MISE_DATA_DIR') ?? j(dataHome, 'mise'), 'shims'));
    add(j(env('NVM_DIR') ?? j(home, '.nvm'), 'versions', 'node'), 'bin');
    const fnmDirs = env('FNM_DIR') ? [env('FNM_DIR')] : [j(dataHome, 'fnm'), ...(ctx.platform === 'darwin' ? [j(home, 'Library', 'Application Support', 'fnm')] : []), j(home, '.fnm')];
    for (const dir of fnmDirs) add(dir && j(dir, 'node-versions'), j('installation', 'bin'));
    add(j(env('BUN_INSTALL') ?? j(home, '.bun'), 'bin'));
    add(env('PNPM_HOME') ?? (ctx.platform === 'darwin' ? j(home, 'Library', 'pnpm') : j(dataHome, 'pnpm')));
    add(j(home, '.yarn', 'bin'));
  }

  const out: { label: string; dirs: string[] }[] = [];
  for (const { dir, glob } of places) {
    if (glob === undefined) {
      out.push({ label: tilde(ctx, dir), dirs: [dir] });
      continue;
    }
    // One folder per installed Node version, the newest first: that is the one a shell would use by default.
    const versions = (await ctx.fs.readdir(dir).catch(() => [] as string[])).sort(byVersionDescending);
    out.push({ label: tilde(ctx, ctx.path.join(dir, '*', glob)), dirs: versions.map((v) => ctx.path.join(dir, v, glob)) });
  }
  return out;
}

/** The `prefix=` of ~/.npmrc, where `npm install -g` puts binaries (found without running npm). */
async function npmrcPrefix(ctx: PlaceContext): Promise<string | undefined> {
  const text = await ctx.fs.readFile(ctx.path.join(ctx.home, '.npmrc')).catch(() => '');
  const m = /^\s*prefix\s*=\s*(.+?)\s*$/m.exec(text);
  if (!m?.[1]) return undefined;
  const value = expandHome(ctx, m[1].replace(/^["']|["']$/g, '').replace(/\$\{HOME\}/g, ctx.home));
  return ctx.path.isAbsolute(value) ? value : undefined;
}

export function expandHome(ctx: PlaceContext, p: string): string {
  if (p === '~') return ctx.home;
  if (p.startsWith('~/') || (ctx.platform === 'win32' && p.startsWith('~\\'))) return ctx.path.join(ctx.home, p.slice(2));
  return p;
}

/** `~/…` for a path under home: how the error text names a place. */
export function tilde(ctx: Pick<PlaceContext, 'home' | 'path'>, p: string): string {
  const rel = ctx.path.relative(ctx.home, p);
  return rel && !rel.startsWith('..') && !ctx.path.isAbsolute(rel) ? `~${ctx.path.sep}${rel}` : p;
}

function byVersionDescending(a: string, b: string): number {
  const va = parseSemVer(a);
  const vb = parseSemVer(b);
  if (va && vb) return vb.major - va.major || vb.minor - va.minor || vb.patch - va.patch;
  if (va || vb) return va ? -1 : 1;
  return a < b ? 1 : a > b ? -1 : 0;
}
