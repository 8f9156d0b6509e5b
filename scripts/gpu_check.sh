#!/usr/bin/env bash
# Check DictaLM-3.0 on this machine's NVIDIA GPU: load it through llama_entrypoint.sh, start a private
# gateway in front of it, ask a Hebrew, a thinking and a tool question through the gateway, and print
# pass/fail, tokens/s, time to first token and VRAM used. Exits 2 at once without an NVIDIA GPU.
# Uses the settings of .env (HF_FILE, LOCAL_MODEL_PATH, CONTEXT_SIZE, ...); starts and stops its own processes.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
python="${PYTHON:-$repo/.venv/bin/python}"
say() { echo "gpu_check: $*" >&2; }
[[ -x "$python" ]] || { say "no Python at $python (run ./start.sh or ./test.sh once to create .venv)"; exit 1; }

"$python" -m gateway.cli.gpu_check detect || exit $?

set -a
[[ -f "${DICTACHAT_ENV_FILE:-.env}" ]] && source "${DICTACHAT_ENV_FILE:-.env}"
set +a
model="${LOCAL_MODEL_PATH:-./models}/${HF_FILE:-dictalm-3.0-24b-thinking-fp8-q4_0.gguf}"
[[ -f "$model" ]] || { say "model $model not found; fetch it with: .venv/bin/python -m gateway.cli.model download"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ok() {  # URL SECONDS WHAT
    local deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null "$1" 2>/dev/null; do
        (( SECONDS < deadline )) || { say "$3 did not come up within $2 s; log: $work"; tail -n 20 "$work"/*.log >&2; exit 1; }
        sleep 2
    done
}

llama_port=$(free_port) admin_port=$(free_port) proxy_port=$(free_port)
key="sk-gpu-check-$("$python" -c 'import secrets; print(secrets.token_hex(12))')"
vram_before=$("$python" -c 'from gateway.cli.gpu_check import vram_used; print(vram_used() or 0)')

say "loading $model on the GPU (a 24B model takes minutes)"
setsid env LOCAL_MODEL_PATH="$(dirname "$model")" HF_FILE="$(basename "$model")" LLAMA_HOST=127.0.0.1 \
    LLAMA_PORT="$llama_port" RENDERED_TEMPLATE="$work/chat_template.jinja2" ./llama_entrypoint.sh >"$work/llama.log" 2>&1 &
pids+=($!)
setsid env DATABASE_URL="sqlite:///$work/gateway.db" REDIS_URL= LLAMA_URL="http://127.0.0.1:$llama_port" \
    BRICKSLLM_ADMIN_PORT="$admin_port" BRICKSLLM_PROXY_PORT="$proxy_port" ADMIN_PASS="$key-admin" \
    FRONTEND_API_KEY="$key" SPOOL_DIR="$work/spool" "$python" -m gateway >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_ok "http://127.0.0.1:$llama_port/health" 1800 "llama-server"
wait_ok "http://127.0.0.1:$admin_port/api/health" 120 "the gateway"

opened=()
grep -q "opens <think>" "$work/llama.log" || opened=(--no-opened-thinking)
"$python" -m gateway.cli.gpu_check probe --gateway "http://127.0.0.1:$proxy_port" --key "$key" \
    --vram-before "$vram_before" "${opened[@]}"
