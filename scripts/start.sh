#!/usr/bin/env bash
# Sets everything up, builds Shannon's .vsix and opens it in a real VS Code (code-server) at
# http://127.0.0.1:${PORT:-8080}. Your sessions and settings persist in .tools/profile.
#
#   scripts/start.sh [--offline] [FOLDER]
#
#   FOLDER     the workspace to open (default: the current directory)
#   --offline  point Claude Code at a local fake Anthropic API: try Shannon with no key, no network
#
# Claude Code itself: your `claude` on PATH if there is one, else the pinned one in node_modules.
# It needs ANTHROPIC_API_KEY (or a logged-in `claude`) unless --offline.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
offline=0
folder="$OLDPWD"
for arg in "$@"; do
  case "$arg" in
    --offline) offline=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) folder="$(cd "$arg" && pwd)" ;;
  esac
done

bash scripts/setup.sh
source scripts/node-env.sh
npm run package >/dev/null
profile="$ROOT/.tools/profile"
mkdir -p "$profile/extensions" "$profile/user-data/User"
code_server=(node "$ROOT/.tools/code-server/node_modules/code-server/out/node/entry.js" --user-data-dir "$profile/user-data" --extensions-dir "$profile/extensions")
"${code_server[@]}" --force --install-extension dist/shannon.vsix >/dev/null

if ! command -v claude >/dev/null 2>&1; then
  export SHANNON_CLAUDE_PATH="$ROOT/node_modules/@anthropic-ai/claude-code/bin/claude.exe"
fi
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
if [ "$offline" = 1 ]; then
  exec 3< <(node --import tsx scripts/fake-api.ts)
  pids+=($!)
  read -r ANTHROPIC_BASE_URL <&3
  export ANTHROPIC_BASE_URL ANTHROPIC_API_KEY=offline-demo CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1
  echo "shannon: offline demo: Claude Code talks to a fake API at $ANTHROPIC_BASE_URL" >&2
fi

port="${PORT:-8080}"
echo "shannon: open http://127.0.0.1:$port/?folder=$folder  (Ctrl-C stops)" >&2
"${code_server[@]}" --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check "$folder" &
pids+=($!)
wait "${pids[-1]}"
