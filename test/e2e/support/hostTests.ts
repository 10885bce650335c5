/**
 * Runs a suite inside a real VS Code extension host: the suite file (see hostDsl.ts) is bundled
 * to CommonJS, code-server starts with the extension under test and the runner extension
 * installed, Chromium opens the workbench (a code-server extension host starts only when a
 * window connects), and the runner writes the results to a file this side waits for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { closeWorkbench, openWorkbench, screenshot } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import type { HostTestResult } from './hostDsl';
import { buildRunnerVsix } from './vsix';

export type { HostTestResult } from './hostDsl';

export interface RunHostTestsOptions {
  /** The extension under test. */
  vsixPath: string;
  /** A .ts (or .js) file whose `run` export is a HostRun (usually `hostSuite().run`). */
  testEntry: string;
  /** The folder the workbench opens. */
  folder: string;
  settings?: Record<string, unknown>;
  /** For the server and so for the extension host (ANTHROPIC_BASE_URL, HOME, …). */
  env?: Record<string, string>;
  /** For the whole suite, from the workbench being up. Default 120 s. */
  timeoutMs?: number;
  /** Saves a screenshot of the workbench once the results are in, under this name. */
  screenshotName?: string;
}

export interface HostRunReport {
  results: HostTestResult[];
  vscodeVersion: string;
  nodeVersion: string;
  /** Where the screenshot went, when one was asked for. */
  screenshotPath?: string;
}

/** Runs the suite; resolves with its results (failed tests included), rejects when the run itself broke. */
export async function runHostTests(opts: RunHostTestsOptions): Promise<HostTestResult[]> {
  return (await runHostTestsReport(opts)).results;
}

export async function runHostTestsReport(opts: RunHostTestsOptions): Promise<HostRunReport> {
  const work = await mkdtemp(path.join(tmpdir(), 'shannon-host-tests-'));
  const modulePath = path.join(work, 'suite.cjs');
  const resultsPath = path.join(work, 'results.json');
  let server: CodeServer | undefined;
  let page: Page | undefined;
  try {
    const [runnerVsix] = await Promise.all([buildRunnerVsix(), bundleHostSuite(opts.testEntry, modulePath)]);
    server = await startCodeServer({
      vsixPath: opts.vsixPath,
      extraVsixPaths: [runnerVsix],
      folder: opts.folder,
      settings: opts.settings,
      env: { ...opts.env, SHANNON_HOST_TEST_MODULE: modulePath, SHANNON_HOST_TEST_RESULTS: resultsPath },
    });
    page = await openWorkbench(server.url, opts.folder);
    const report = await waitForResults(resultsPath, opts.timeoutMs ?? 120_000, server);
    const unmap = stackMapper(modulePath);
    report.results = report.results.map((r) => (r.error ? { ...r, error: unmap(r.error) } : r));
    if (opts.screenshotName) report.screenshotPath = await screenshot(page, opts.screenshotName);
    return report;
  } finally {
    if (page) await closeWorkbench(page).catch(() => undefined);
    await server?.stop();
    if (process.env.SHANNON_E2E_KEEP !== '1') await rm(work, { recursive: true, force: true });
  }
}

/** Bundles a suite for the extension host: CommonJS, `vscode` external, source map beside it. */
export async function bundleHostSuite(entry: string, outfile: string): Promise<void> {
  if (!existsSync(entry)) throw new Error(`host test entry ${entry} does not exist`);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['vscode'],
    // The extension host replaces Node's stack formatting, so source maps do not apply there:
    // stackMapper maps the frames of failed tests on this side instead.
    sourcemap: 'external',
    sourcesContent: false,
    keepNames: true,
    logLevel: 'silent',
  });
}

async function waitForResults(resultsPath: string, timeoutMs: number, server: CodeServer): Promise<HostRunReport> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(resultsPath)) return JSON.parse(readFileSync(resultsPath, 'utf8')) as HostRunReport;
    await delay(100);
  }
  const progressPath = `${resultsPath}.progress`;
  const progress = existsSync(progressPath) ? readFileSync(progressPath, 'utf8') : '(none: the runner extension never started; is the extension host up?)';
  throw new Error(
    [
      `no host test results after ${timeoutMs} ms`,
      '--- runner progress',
      progress.trimEnd(),
      '--- extension host logs',
      tail(server.extensionHostLogs(), 8_000),
      '--- code-server output',
      tail(server.logs(), 4_000),
    ].join('\n'),
  );
}

/** Rewrites `<bundle>:line:col` in a stack to the .ts file and position it came from. */
export function stackMapper(bundlePath: string): (stack: string) => string {
  const mapPath = `${bundlePath}.map`;
  if (!existsSync(mapPath)) return (stack) => stack;
  const map = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload);
  const frame = new RegExp(`${bundlePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  return (stack) =>
    stack.replace(frame, (whole, line: string, column: string) => {
      const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
      if (!('originalSource' in entry)) return whole;
      const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(mapPath), entry.originalSource);
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
}

function tail(s: string, max: number): string {
  return s.length > max ? `…${s.slice(-max)}` : s;
}

/**
 * Reports each in-host result as its own node:test subtest, so the runner's output names every
 * host test and its failure:
 *
 *   it('…', async (t) => reportHostResults(t, await runHostTests({ … })));
 */
export async function reportHostResults(t: TestContext, results: HostTestResult[]): Promise<void> {
  if (results.length === 0) throw new Error('the host suite ran no test');
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) {
        const error = new Error(`host test failed in ${r.ms} ms: ${r.error ?? '(no error message)'}`);
        error.stack = error.message; // the host's stack is the useful one, not ours
        throw error;
      }
    });
  }
}
