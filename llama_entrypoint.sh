#!/usr/bin/env bash
# Start llama-server on LOCAL_MODEL_PATH/HF_FILE with the chat template rendered for SYSTEM_PROMPT.
# The same script runs as the docker-compose service's entrypoint and as start.sh's native launcher.
# Extra arguments are passed to llama-server unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
model="${LOCAL_MODEL_PATH:-./models}/${HF_FILE:?HF_FILE is not set}"
template="${CHAT_TEMPLATE:-$here/chat_template.jinja2.template}"
rendered="${RENDERED_TEMPLATE:-${TMPDIR:-/tmp}/dictachat-chat-template.jinja2}"
alias_name="${LLAMA_ALIAS:-$(basename "$model" .gguf)}"

fail() { echo "llama_entrypoint: $*" >&2; exit 1; }

if [[ ! -f "$model" ]]; then
    fail "model file $model not found (LOCAL_MODEL_PATH/HF_FILE); fetch it with: .venv/bin/python -m gateway.cli.model download"
fi
[[ -r "$model" ]] || fail "model file $model is not readable by user $(id -un)"
[[ -r "$template" ]] || fail "chat template $template not found"

if [[ -n "${LLAMA_SERVER_BIN:-}" ]]; then server="$LLAMA_SERVER_BIN"
elif command -v llama-server >/dev/null 2>&1; then server="$(command -v llama-server)"
elif [[ -x /app/llama-server ]]; then server=/app/llama-server  # ggml-org/llama.cpp:server images
else fail "llama-server not found: put it on PATH or set LLAMA_SERVER_BIN"
fi

# SYSTEM_PROMPT goes into the template as a Jinja string literal, so escape what would end or bend it.
prompt="${SYSTEM_PROMPT:-}"
prompt="${prompt//\\/\\\\}"
prompt="${prompt//\"/\\\"}"
prompt="${prompt//$'\r'/}"
prompt="${prompt//$'\n'/\\n}"
mkdir -p "$(dirname "$rendered")"
PROMPT="$prompt" awk '{
    at = index($0, "@SYSTEM_PROMPT@")
    if (at) $0 = substr($0, 1, at - 1) ENVIRON["PROMPT"] substr($0, at + length("@SYSTEM_PROMPT@"))
    print
}' "$template" >"$rendered"

args=(
    --host "${LLAMA_HOST:-0.0.0.0}"
    --port "${LLAMA_PORT:-${LLAMA_HOST_PORT:-5002}}"
    --model "$model"
    --alias "$alias_name"
    --ctx-size "${CONTEXT_SIZE:-8192}"
    --n-gpu-layers "${N_GPU_LAYERS:-99}"
    --parallel "${LLAMA_PARALLEL:-2}"
    --kv-unified
    --jinja
    --chat-template-file "$rendered"
    --reasoning-format deepseek
    --metrics
)
[[ -n "${LLAMA_THREADS:-}" ]] && args+=(--threads "$LLAMA_THREADS")

# API key: llama-server reads LLAMA_API_KEY from its environment as --api-key (kept out of `ps`); only the
# gateway holds it. /health stays open for health checks; everything else answers 401 without the key.
if [[ -n "${LLAMA_API_KEY:-}" ]]; then
    export LLAMA_API_KEY
else
    echo "llama_entrypoint: warning: LLAMA_API_KEY is empty, so anyone who reaches port ${LLAMA_PORT:-${LLAMA_HOST_PORT:-5002}} can use the model" >&2
fi

echo "llama_entrypoint: $server serving $model as '$alias_name' on port ${args[3]}" >&2
exec "$server" "${args[@]}" "$@"
