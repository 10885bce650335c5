/**
 * What a window start costs Shannon: importing the activation bundle (dist/extension/extension.js,
 * production build) in a fresh Node process, beside importing an empty module the same way.
 * Everything else (the store, the engine, execa, the MCP SDK) sits in chunks loaded with import()
 * when first used; the bench also imports the core chunk alone, to show what was moved out.
 * Goal (issue 11): the activation bundle under 30 ms.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { formatBytes, formatMs, median, printTable, type BenchContext } from './lib';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '..');
const TIMER = path.join(import.meta.dirname, 'support', 'importTimer.mjs');

export default async function activationBench(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shannon-activation-'));
  try {
    await run(process.execPath, ['esbuild.mjs', '--production', '--outdir', dir], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
    // The extension host provides `vscode`; a stub lets the bundle's top level run in plain Node.
    const vscode = path.join(dir, 'node_modules', 'vscode');
    mkdirSync(vscode, { recursive: true });
    copyFileSync(path.join(import.meta.dirname, 'support', 'vscodeStub.cjs'), path.join(vscode, 'index.js'));
    writeFileSync(path.join(vscode, 'package.json'), JSON.stringify({ name: 'vscode', main: 'index.js' }));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(path.join(dir, 'empty.js'), 'export {};\n');
    const chunks = path.join(dir, 'extension', 'chunks');
    const core = readdirSync(chunks).find((f) => /^core-.*\.js$/.test(f));
    const contenders = [
      { name: 'empty module', file: path.join(dir, 'empty.js') },
      { name: 'activation bundle (extension.js)', file: path.join(dir, 'extension', 'extension.js') },
      ...(core ? [{ name: 'core chunk, loaded after activation', file: path.join(chunks, core) }] : []),
    ];
    const rounds = ctx.args.iterations ?? 15;
    const samples = new Map(contenders.map((c) => [c.name, { wall: [] as number[], cpu: [] as number[] }]));
    for (let round = 0; round < rounds + 1; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + round) % contenders.length]!;
        const { stdout } = await run(process.execPath, [TIMER, c.file]);
        const { wallMs, cpuMs } = JSON.parse(stdout) as { wallMs: number; cpuMs: number };
        if (round === 0) continue; // the disk cache warms up
        samples.get(c.name)!.wall.push(wallMs);
        samples.get(c.name)!.cpu.push(cpuMs);
      }
    }
    const empty = samples.get('empty module')!;
    printTable(
      ctx,
      ['cold import, fresh process', 'size', 'wall median', 'main-thread CPU median', 'CPU over the empty module'],
      contenders.map((c) => {
        const s = samples.get(c.name)!;
        return [c.name, formatBytes(statSync(c.file).size), formatMs(median(s.wall)), formatMs(median(s.cpu)), `+${formatMs(median(s.cpu) - median(empty.cpu))}`];
      }),
    );
    const activation = samples.get('activation bundle (extension.js)')!;
    ctx.log(`activation bundle: ${formatMs(median(activation.cpu))} main-thread CPU, ${(median(activation.cpu) / median(empty.cpu)).toFixed(1)}× the empty module (goal: under 30 ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
