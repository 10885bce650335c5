/**
 * Test-only extension. When the extension host's environment names a suite
 * (SHANNON_HOST_TEST_MODULE, a CommonJS bundle exporting `run`) and a results file
 * (SHANNON_HOST_TEST_RESULTS), it runs the suite against the real `vscode` API once the
 * workbench has started, and writes the results as JSON. Progress goes to
 * `<results>.progress` one JSON line per event, so a host that dies mid-run still says where.
 * Without those variables it does nothing.
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';

interface HostTestResult {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

export interface HostResultsFile {
  vscodeVersion: string;
  nodeVersion: string;
  results: HostTestResult[];
}

export function activate(): void {
  const modulePath = process.env.SHANNON_HOST_TEST_MODULE;
  const resultsPath = process.env.SHANNON_HOST_TEST_RESULTS;
  if (!modulePath || !resultsPath) return;
  // Not awaited: activation returns at once, other extensions keep starting while the suite runs.
  void runSuite(modulePath, resultsPath);
}

async function runSuite(modulePath: string, resultsPath: string): Promise<void> {
  const progress = (event: Record<string, unknown>) => {
    try {
      appendFileSync(`${resultsPath}.progress`, `${JSON.stringify({ at: Date.now(), ...event })}\n`);
    } catch {
      // progress is best effort
    }
  };
  const started = performance.now();
  let results: HostTestResult[];
  try {
    progress({ event: 'load', modulePath });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const suite = require(modulePath) as { run?: unknown };
    if (typeof suite.run !== 'function') throw new Error(`${modulePath} exports no run(vscode) function`);
    const run = suite.run as (v: typeof vscode, hooks: object) => Promise<HostTestResult[]>;
    results = await run(vscode, {
      onTestStart: (name: string) => progress({ event: 'start', name }),
      onTestEnd: (r: HostTestResult) => progress({ event: 'end', ...r }),
    });
    if (!Array.isArray(results)) throw new Error(`run() returned ${typeof results}, not an array of results`);
  } catch (e) {
    results = [{ name: `(loading and running ${modulePath})`, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e), ms: Math.round(performance.now() - started) }];
  }
  const file: HostResultsFile = { vscodeVersion: vscode.version, nodeVersion: process.version, results };
  // Written whole then renamed: the harness never reads half a file.
  writeFileSync(`${resultsPath}.tmp`, JSON.stringify(file, null, 2));
  renameSync(`${resultsPath}.tmp`, resultsPath);
  progress({ event: 'done' });
}

export function deactivate(): void {
  // Nothing to dispose: the suite owns what it creates.
}
