// `node importTimer.mjs <module>` in a fresh process: imports the module and prints how long the
// import took on the main thread (wall and CPU milliseconds) as JSON. Nothing of ours is loaded
// before the measured import.
const cpu0 = process.threadCpuUsage();
const t0 = performance.now();
await import(new URL(process.argv[2], 'file:///').href);
const wallMs = performance.now() - t0;
const cpu = process.threadCpuUsage(cpu0);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
