#!/usr/bin/env bash
# Print the path of a bun binary for Reflex: REFLEX_BUN_PATH, else one installed once from the npm
# registry into the cache. Progress goes to stderr, the path to stdout.
set -euo pipefail

if [[ -n "${REFLEX_BUN_PATH:-}" && -x "$REFLEX_BUN_PATH" ]]; then
    echo "$REFLEX_BUN_PATH"
    exit 0
fi
prefix="${DICTACHAT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dictachat}/bun"
bun="$prefix/bin/bun"
if [[ ! -x "$bun" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "ensure_bun: npm is needed to install bun (apt-get install npm)" >&2; exit 1; }
    echo "ensure_bun: installing bun from the npm registry into $prefix (one time)" >&2
    mkdir -p "$prefix"
    exec 8>"$prefix/.install.lock"
    flock 8
    [[ -x "$bun" ]] || npm install --global --silent --prefix "$prefix" bun >&2
fi
"$bun" --version >/dev/null
echo "$bun"
