#!/usr/bin/env node
// `shannon-mcp` (dist/mcp-server.cjs): turns on Node's compile cache (Node ≥ 22.1; a no-op
// elsewhere), then loads the bundle. MCP clients start the server for every session and some
// (Claude Code in -p mode) wait only ~2 s for it: compiled code kept between starts takes a
// share of the start-up off (bench/mcpStartup.bench.ts). The cache lives in the system's temp
// folder, or where NODE_COMPILE_CACHE says; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
'use strict';
try {
  require('node:module').enableCompileCache?.();
} catch {
  // No cache: the server starts all the same.
}
require('./mcp-server-main.cjs');
