/** Helpers for Shannon's in-host suites (bundled into the extension host with the suite). */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Vscode } from '../support/hostDsl';
import type { ShannonApi } from '../../../src/extension/extension';

export async function shannon(vscode: Vscode): Promise<ShannonApi> {
  const ext = vscode.extensions.getExtension<ShannonApi>('shannon.shannon');
  if (!ext) throw new Error(`shannon.shannon is not installed: ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Polls `condition` until truthy; fails naming `what` and the last value seen. */
export async function until<T>(what: string, condition: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await condition();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${describe(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v)?.slice(0, 2000) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Figures the suites measure, merged into test-results/e2e/metrics.json (SHANNON_E2E_ARTIFACTS). */
export function recordMetric(name: string, value: unknown): void {
  const dir = process.env.SHANNON_E2E_ARTIFACTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'metrics.json');
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  all[name] = value;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/** Processes whose parent is this extension host and whose command line mentions `name`. */
export function childProcessesNamed(name: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (ppid === process.pid && cmd.includes(name)) out.push(`${entry} ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}
