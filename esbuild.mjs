// Builds the three programs Shannon ships, each its own bundle:
//   dist/extension/      the VS Code extension host side: an ES module (VS Code ≥ 1.100 loads
//                        ESM extensions) split into chunks, so activation evaluates only the
//                        views and commands; the store and engine (chunks/core-*), process
//                        supervision (execa) and the MCP server (SDK, zod, ajv, hono) are
//                        separate files loaded with import() when first needed.
//   dist/mcp-server.cjs  the standalone stdio MCP server (`shannon-mcp`, plain Node): a stub
//                        (src/mcp/start.cjs) that turns on Node's compile cache, then loads
//                        dist/mcp-server-main.cjs, the bundle (CommonJS)
//   dist/webview.js     the session panel UI (browser, IIFE) + dist/webview.css
//   dist/usage.js       the usage dashboard UI (browser, IIFE) + dist/usage.css
// sql.js's WebAssembly binary ships beside the bundles; the store loads it by path.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// --outdir <dir>: build elsewhere (the activation bench builds a production copy in a temp dir).
const outdirAt = process.argv.indexOf('--outdir');
const outdir = outdirAt > 0 ? process.argv[outdirAt + 1] : 'dist';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  // Keep class names: errors and disposables are logged by name.
  keepNames: true,
};

const builds = [
  {
    ...node,
    format: 'esm',
    splitting: true,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: `${outdir}/extension`,
    chunkNames: 'chunks/[name]-[hash]',
    external: ['vscode'],
    // CommonJS packages inside (sql.js) call require() for Node's built-ins and read __dirname.
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        "import { fileURLToPath as __fileURLToPath } from 'node:url';",
        "import { dirname as __dirnameOf } from 'node:path';",
        'const require = __createRequire(import.meta.url);',
        'const __filename = __fileURLToPath(import.meta.url);',
        'const __dirname = __dirnameOf(__filename);',
      ].join(' '),
    },
  },
  {
    ...node,
    entryPoints: ['src/mcp/bin.ts'],
    outfile: `${outdir}/mcp-server-main.cjs`,
    plugins: [mcpEntryStub()],
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    entryPoints: { webview: 'src/webview/main.ts', usage: 'src/webview/usage/main.ts' },
    outdir,
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'info',
    loader: { '.ttf': 'file' },
  },
].filter((b) => {
  const entries = Array.isArray(b.entryPoints) ? b.entryPoints : Object.values(b.entryPoints);
  return entries.every((e) => existsSync(e));
});

/** Writes dist/mcp-server.cjs, the `shannon-mcp` entry, once the bundle it loads is built. */
function mcpEntryStub() {
  return {
    name: 'mcp-entry-stub',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length > 0) return;
        const stub = path.join(outdir, 'mcp-server.cjs');
        copyFileSync('src/mcp/start.cjs', stub);
        chmodSync(stub, 0o755);
      });
    },
  };
}

function copyAssets() {
  mkdirSync(outdir, { recursive: true });
  const wasm = path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm');
  copyFileSync(wasm, path.join(outdir, 'sql-wasm.wasm'));
}

copyAssets();
// Chunk names carry a content hash: old ones would pile up (and be packaged) without this.
rmSync(`${outdir}/extension`, { recursive: true, force: true });
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
