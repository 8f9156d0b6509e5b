#!/usr/bin/env bash
# Print the path of a bun binary for Reflex: REFLEX_BUN_PATH, else one installed once from the npm
# registry into the cache. Progress goes to stderr, the path to stdout.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"

if [[ -n "${REFLEX_BUN_PATH:-}" && -x "$REFLEX_BUN_PATH" ]]; then
    echo "$REFLEX_BUN_PATH"
    exit 0
fi
prefix="$cache_root/bun"
bun="$prefix/bin/bun"
if [[ ! -x "$bun" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "ensure_bun: npm is needed to install bun (apt-get install npm)" >&2; exit 1; }
    echo "ensure_bun: installing bun from the npm registry into $prefix (one time)" >&2
    cache_lock "$prefix" install
    [[ -x "$bun" ]] || npm install --global --silent --prefix "$prefix" bun >&2
fi
"$bun" --version >/dev/null
echo "$bun"
