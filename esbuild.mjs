// Builds the three programs Shannon ships, each its own bundle:
//   dist/extension.cjs   the VS Code extension host side (CommonJS, `vscode` external)
//   dist/mcp-server.cjs  the standalone stdio MCP server (`shannon-mcp`, plain Node)
// The sources are ES modules (package.json "type": "module"); the Node bundles are CommonJS,
// hence .cjs.
//   dist/webview.js     the webview UI (browser, IIFE) + dist/webview.css
// sql.js's WebAssembly binary ships beside the bundles; the store loads it by path.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdir = 'dist';

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
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: `${outdir}/extension.cjs`, external: ['vscode'] },
  {
    ...node,
    entryPoints: ['src/mcp/bin.ts'],
    outfile: `${outdir}/mcp-server.cjs`,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    entryPoints: { webview: 'src/webview/main.ts' },
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

function copyAssets() {
  mkdirSync(outdir, { recursive: true });
  const wasm = path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm');
  copyFileSync(wasm, path.join(outdir, 'sql-wasm.wasm'));
}

copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
