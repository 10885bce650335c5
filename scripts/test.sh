#!/usr/bin/env bash
# The one command that runs every Shannon test: sets up what is missing, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/node-env.sh
npm test
