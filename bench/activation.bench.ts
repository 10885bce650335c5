/**
 * What a window start costs Shannon: importing the activation bundle (dist/extension/extension.js,
 * production build) in a fresh Node process, beside importing an empty module the same way.
 * The process first imports what a real extension host has loaded before it activates anyone:
 * the Node built-ins VS Code's own extension host process imports (read from the code-server
 * install the e2e tests use, `extensionHostProcess.js`) and the `vscode` API object. Without that,
 * the bench would charge Shannon for loading `node:fs` or `node:child_process`, which no window
 * start pays for; the figure without it is printed too.
 * Everything else (the store, the engine, execa, the MCP SDK) sits in chunks loaded with import()
 * when first used; the bench also imports the core chunk alone, to show what was moved out.
 * Goal (issue 11): the activation bundle under 30 ms.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { formatBytes, formatMs, median, printTable, type BenchContext } from './lib';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '..');
const TIMER = path.join(import.meta.dirname, 'support', 'importTimer.mjs');
const HOST_PROCESS = path.join(REPO, '.tools', 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'vs', 'workbench', 'api', 'node', 'extensionHostProcess.js');

/** The Node built-ins VS Code's extension host imports at its own top level, or none without code-server. */
function hostBuiltins(): string[] {
  if (!existsSync(HOST_PROCESS)) return [];
  const source = readFileSync(HOST_PROCESS, 'utf8');
  const names = new Set<string>();
  for (const m of source.matchAll(/from\s*"(?:node:)?([a-z_/]+)"/g)) if (builtinModules.includes(m[1]!)) names.add(`node:${m[1]}`);
  return [...names].sort();
}

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
    const builtins = hostBuiltins();
    const hostLoaded = [...builtins, 'vscode'].join(',');
    ctx.log(
      builtins.length > 0
        ? `loaded before each import, as in a real extension host: vscode and ${builtins.length} built-ins (${builtins.join(' ')})`
        : 'code-server is not installed (scripts/setup-e2e.sh): only vscode is loaded before each import, so built-ins count against Shannon',
    );
    const rounds = ctx.args.iterations ?? 15;
    const samples = new Map(contenders.map((c) => [c.name, { wall: [] as number[], cpu: [] as number[], bare: [] as number[] }]));
    for (let round = 0; round < rounds + 1; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + round) % contenders.length]!;
        const bare = JSON.parse((await run(process.execPath, [TIMER, c.file])).stdout) as { cpuMs: number };
        const { stdout } = await run(process.execPath, [TIMER, c.file, hostLoaded]);
        const { wallMs, cpuMs } = JSON.parse(stdout) as { wallMs: number; cpuMs: number };
        if (round === 0) continue; // the disk cache warms up
        samples.get(c.name)!.wall.push(wallMs);
        samples.get(c.name)!.cpu.push(cpuMs);
        samples.get(c.name)!.bare.push(bare.cpuMs);
      }
    }
    const empty = samples.get('empty module')!;
    printTable(
      ctx,
      ['cold import, fresh process', 'size', 'wall median', 'main-thread CPU median', 'CPU over the empty module', 'CPU with nothing loaded before'],
      contenders.map((c) => {
        const s = samples.get(c.name)!;
        return [c.name, formatBytes(statSync(c.file).size), formatMs(median(s.wall)), formatMs(median(s.cpu)), `+${formatMs(median(s.cpu) - median(empty.cpu))}`, formatMs(median(s.bare))];
      }),
    );
    const activation = samples.get('activation bundle (extension.js)')!;
    const cpu = median(activation.cpu);
    const bare = median(activation.bare);
    ctx.log(
      `activation bundle: ${formatMs(cpu)} main-thread CPU over what the host has loaded (${formatMs(median(empty.cpu))} for the empty module), ` +
        `${formatMs(bare)} in a bare process (goal: under 30 ms): ${cpu < 30 ? 'met' : 'NOT met'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
