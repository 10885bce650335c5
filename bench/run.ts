/**
 * `npm run bench [-- --filter <name>] [-- --iterations <n>]`: runs every bench/*.bench.ts in
 * name order. Figures are printed, never judged: the exit code is non-zero only if a bench
 * crashed (or the arguments were wrong).
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createContext, formatMs, parseBenchArgs, type BenchContext } from './lib';

type Bench = (ctx: BenchContext) => Promise<void>;

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const dir = import.meta.dirname;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const selected = files.filter((f) => args.filter === undefined || basename(f, '.bench.ts').includes(args.filter));
  if (selected.length === 0) {
    console.error(`no bench matches ${args.filter === undefined ? '' : `--filter ${args.filter} `}in ${dir} (have: ${files.join(', ') || 'none'})`);
    return 1;
  }
  console.log(`Node ${process.version}, ${process.platform}/${process.arch}; benches: ${selected.join(', ')}`);
  const crashed: string[] = [];
  for (const file of selected) {
    const name = basename(file, '.bench.ts');
    console.log(`\n=== ${name} ===`);
    const start = performance.now();
    try {
      const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown };
      if (typeof mod.default !== 'function') throw new Error(`${file} has no default-exported bench function`);
      await (mod.default as Bench)(createContext(name, args));
      console.log(`--- ${name}: ${formatMs(performance.now() - start)}`);
    } catch (err) {
      crashed.push(name);
      console.error(`--- ${name} CRASHED:`, err);
    }
  }
  if (crashed.length > 0) {
    console.error(`\n${crashed.length} bench(es) crashed: ${crashed.join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
