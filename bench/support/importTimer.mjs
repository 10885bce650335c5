// `node importTimer.mjs <module> [preload,...]` in a fresh process: imports the module and prints
// how long the import took on the main thread (wall and CPU milliseconds) as JSON. The modules in
// the comma-separated second argument are imported first, unmeasured: they stand for what a VS Code
// extension host has loaded before it activates an extension (Node's built-ins the host imports
// itself, and the `vscode` API object). Nothing of ours is loaded before the measured import.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// A package name is resolved from the measured module, as its own import of it will be.
const resolveBeside = createRequire(process.argv[2]).resolve;
for (const name of (process.argv[3] ?? '').split(',').filter(Boolean)) {
  await import(name.startsWith('node:') ? name : pathToFileURL(resolveBeside(name)).href);
}
const cpu0 = process.threadCpuUsage();
const t0 = performance.now();
await import(new URL(process.argv[2], 'file:///').href);
const wallMs = performance.now() - t0;
const cpu = process.threadCpuUsage(cpu0);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
