#!/usr/bin/env bash
# Idempotent set-up of what the end-to-end tests run Shannon in: a real VS Code (code-server,
# pinned) driven by Debian's Chromium through playwright-core. Fast when everything is there.
# - Debian packages: chromium, and the headers code-server's native modules build against
#   (libkrb5-dev: kerberos fails without it). apt runs only when one is missing.
# - code-server $SHANNON_CODE_SERVER_VERSION in .tools/code-server, built with Node 24
#   (scripts/node-env.sh sets npm_config_nodedir to Node 24's headers: the machine's npm
#   config points at Node 20's, the wrong ABI for code-server's native modules).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh

SHANNON_CODE_SERVER_VERSION="4.139.1"
started=$SECONDS

# --- Debian packages -----------------------------------------------------------------------
apt_packages=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev build-essential python3 pkg-config)
missing=()
if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  # Not Debian: the packages are the machine owner's business; say what is needed and go on.
  echo "shannon-e2e: no apt here; make sure these (or their equivalents) are installed: ${apt_packages[*]}" >&2
  apt_packages=()
fi
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "shannon-e2e: installing Debian packages: ${missing[*]}" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# --- code-server ---------------------------------------------------------------------------
cs_dir=.tools/code-server
cs_pkg="$cs_dir/node_modules/code-server/package.json"
installed_version() { node -p "require('./$cs_pkg').version" 2>/dev/null || true; }
if [ "$(installed_version)" != "$SHANNON_CODE_SERVER_VERSION" ] || [ ! -f "$cs_dir/.complete" ]; then
  echo "shannon-e2e: installing code-server $SHANNON_CODE_SERVER_VERSION into $cs_dir (about 2 minutes, ~620 MB)" >&2
  rm -f "$cs_dir/.complete"
  mkdir -p "$cs_dir"
  printf '{\n  "private": true,\n  "dependencies": { "code-server": "%s" }\n}\n' "$SHANNON_CODE_SERVER_VERSION" > "$cs_dir/package.json"
  (cd "$cs_dir" && npm install --no-audit --no-fund --no-package-lock >&2)
  [ "$(installed_version)" = "$SHANNON_CODE_SERVER_VERSION" ] || {
    echo "shannon-e2e: code-server $SHANNON_CODE_SERVER_VERSION did not install" >&2
    exit 1
  }
  # Marks an install whose postinstall (native modules, VS Code's own dependencies) finished:
  # an interrupted npm install leaves package.json in place but not this file.
  echo "$SHANNON_CODE_SERVER_VERSION" > "$cs_dir/.complete"
fi

echo "shannon-e2e: ready in $((SECONDS - started)) s (code-server $SHANNON_CODE_SERVER_VERSION, $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium ?'))" >&2
