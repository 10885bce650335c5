#!/usr/bin/env bash
# Source this file: it makes sure a Node 24 runtime from the npm registry sits in .tools/node
# and puts it first on PATH. Why: the machine's Node is 20 (end of life), while execa 10,
# @vscode/vsce 4, code-server and VS Code's own extension host all need Node >= 22.
# Everything Shannon builds, tests and benchmarks runs under this one Node.
SHANNON_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHANNON_NODE_VERSION="24.9.0"
SHANNON_TOOLS="$SHANNON_ROOT/.tools"
_node_dir="$SHANNON_TOOLS/node/node_modules/node"
if [ ! -x "$_node_dir/bin/node" ] || [ "$("$_node_dir/bin/node" --version 2>/dev/null)" != "v$SHANNON_NODE_VERSION" ]; then
  echo "shannon: installing Node $SHANNON_NODE_VERSION into .tools/node (one time)" >&2
  mkdir -p "$SHANNON_TOOLS/node"
  (cd "$SHANNON_TOOLS/node" && [ -f package.json ] || echo '{"private":true}' > package.json)
  (cd "$SHANNON_TOOLS/node" && npm install --no-save --no-audit --no-fund "node@$SHANNON_NODE_VERSION" >&2) || {
    echo "shannon: could not install node@$SHANNON_NODE_VERSION from the npm registry" >&2
    return 1 2>/dev/null || exit 1
  }
fi
export PATH="$_node_dir/bin:$PATH"
# Native addons (code-server's) must build against Node 24's headers, not the machine's Node 20.
for _headers in "$_node_dir"/node_modules/node-*/include; do
  [ -d "$_headers" ] && export npm_config_nodedir="${_headers%/include}"
done
unset _headers
unset _node_dir
