#!/usr/bin/env bash
# Idempotent set-up of everything Shannon builds and tests with. Safe to run again.
# - Node 24 from the npm registry in .tools/node (scripts/node-env.sh explains why)
# - npm packages (npm ci when the lock file changed)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh

stamp=node_modules/.shannon-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "shannon: installing npm packages" >&2
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
bash scripts/setup-e2e.sh
