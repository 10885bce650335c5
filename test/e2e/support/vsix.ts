/**
 * Building the .vsix files the e2e tests install: Shannon's own (exactly as `npm run package`
 * would, into a temp dir) and the test-only runner extension's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from './codeServer';

const VSCE = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
const RUNNER_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'runner-extension');
/** Used while the repo has no .vscodeignore: without one vsce packs the work tree, .tools included, and fails. */
const FALLBACK_IGNORE = path.join(import.meta.dirname, 'fallback.vscodeignore');

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // stdin closed: vsce asks questions (missing LICENSE, repository) and must not wait for an answer.
    const child = execFile(cmd, args, { cwd, timeout: 180_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
    child.stdin?.end();
  });
}

function vscePackage(cwd: string, out: string, extra: string[] = []): Promise<string> {
  return run(process.execPath, [VSCE, 'package', '--no-dependencies', '--skip-license', '--no-rewrite-relative-links', '--out', out, ...extra], cwd);
}

/**
 * Builds Shannon (`node esbuild.mjs`) and packages it like `npm run package`. vsce takes ~6 s
 * here (it walks the whole work tree, .tools included, before applying .vscodeignore), so the
 * package is cached under a hash of what goes into it; `SHANNON_E2E_VSIX` names a prebuilt
 * .vsix to use instead.
 */
export async function buildShannonVsix(): Promise<string> {
  const prebuilt = process.env.SHANNON_E2E_VSIX;
  if (prebuilt) {
    if (!existsSync(prebuilt)) throw new Error(`SHANNON_E2E_VSIX=${prebuilt} does not exist`);
    return prebuilt;
  }
  await run(process.execPath, ['esbuild.mjs'], REPO_ROOT);
  const ignoreFile = existsSync(path.join(REPO_ROOT, '.vscodeignore')) ? path.join(REPO_ROOT, '.vscodeignore') : FALLBACK_IGNORE;
  const inputs = [
    path.join(REPO_ROOT, 'package.json'),
    ignoreFile,
    ...['README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt'].map((f) => path.join(REPO_ROOT, f)),
    ...filesUnder(path.join(REPO_ROOT, 'dist')).filter((f) => !f.endsWith('.vsix')),
    ...filesUnder(path.join(REPO_ROOT, 'media')),
  ];
  return cached(`shannon-${hashFiles(inputs)}.vsix`, (out) =>
    vscePackage(REPO_ROOT, out, ignoreFile === FALLBACK_IGNORE ? ['--ignoreFile', FALLBACK_IGNORE] : []),
  );
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(f);
    hash.update(existsSync(f) ? readFileSync(f) : '(missing)');
  }
  return hash.digest('hex').slice(0, 16);
}

const CACHE_DIR = path.join(tmpdir(), 'shannon-e2e-cache');

/** `make(out)` writes a file; it is kept under `name` and reused while `name` is the same. */
async function cached(name: string, make: (out: string) => Promise<unknown>): Promise<string> {
  const file = path.join(CACHE_DIR, name);
  if (existsSync(file)) return file;
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp.vsix`;
  await make(tmp);
  await rename(tmp, file); // atomic: test files running side by side never see half a file
  return file;
}

/** The runner extension, bundled and packaged once per content of its sources (cached like Shannon's). */
export async function buildRunnerVsix(): Promise<string> {
  const sources = [path.join(RUNNER_DIR, 'package.json'), path.join(RUNNER_DIR, 'src', 'extension.ts')];
  return cached(`runner-${hashFiles(sources)}.vsix`, async (out) => {
    const stage = await mkdtemp(path.join(tmpdir(), 'shannon-runner-'));
    try {
      copyFileSync(path.join(RUNNER_DIR, 'package.json'), path.join(stage, 'package.json'));
      await esbuild.build({
        entryPoints: [path.join(RUNNER_DIR, 'src', 'extension.ts')],
        outfile: path.join(stage, 'extension.js'),
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: ['vscode'],
        logLevel: 'silent',
      });
      await vscePackage(stage, out, ['--allow-missing-repository']);
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  });
}
