/**
 * The in-host test DSL: a suite file runs inside VS Code's extension host (bundled by
 * runHostTests, `vscode` external) and exports `run`, which the runner extension calls.
 *
 *   import assert from 'node:assert/strict';
 *   import { hostSuite } from './support/hostDsl';
 *   const suite = hostSuite();
 *   suite.test('Shannon activates', async (vscode) => { … });
 *   export const run = suite.run;
 *
 * Tests run one after another in declaration order; each has a timeout, so one that hangs
 * fails by name instead of hanging the run. Nothing here imports `vscode` at run time.
 */
import type * as vscodeApi from 'vscode';

export type Vscode = typeof vscodeApi;

export interface HostTestResult {
  name: string;
  ok: boolean;
  /** The failure's stack (source-mapped to the .ts files). */
  error?: string;
  ms: number;
}

/** Lets the runner record progress, so a run that dies mid-way still says where. */
export interface HostRunHooks {
  onTestStart?(name: string): void;
  onTestEnd?(result: HostTestResult): void;
}

/** What a suite module exports as `run`. */
export type HostRun = (vscode: Vscode, hooks?: HostRunHooks) => Promise<HostTestResult[]>;

export type HostTestFn = (vscode: Vscode) => void | Promise<void>;

export interface HostSuite {
  test(name: string, fn: HostTestFn, opts?: { timeoutMs?: number }): void;
  readonly run: HostRun;
}

export function hostSuite(opts: { timeoutMs?: number } = {}): HostSuite {
  const tests: { name: string; fn: HostTestFn; timeoutMs: number }[] = [];
  const run: HostRun = async (vscode, hooks) => {
    const results: HostTestResult[] = [];
    for (const t of tests) {
      hooks?.onTestStart?.(t.name);
      const started = performance.now();
      let result: HostTestResult;
      try {
        await withTimeout(Promise.resolve().then(() => t.fn(vscode)), t.timeoutMs, t.name);
        result = { name: t.name, ok: true, ms: Math.round(performance.now() - started) };
      } catch (e) {
        result = { name: t.name, ok: false, error: describe(e), ms: Math.round(performance.now() - started) };
      }
      results.push(result);
      hooks?.onTestEnd?.(result);
    }
    return results;
  };
  return {
    test(name, fn, testOpts = {}) {
      if (tests.some((t) => t.name === name)) throw new Error(`duplicate host test name: ${name}`);
      tests.push({ name, fn, timeoutMs: testOpts.timeoutMs ?? opts.timeoutMs ?? 30_000 });
    },
    run,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`host test "${name}" timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}
