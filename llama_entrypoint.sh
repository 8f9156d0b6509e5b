#!/usr/bin/env bash
# Start llama-server on LOCAL_MODEL_PATH/HF_FILE with its chat template (CHAT_TEMPLATE) and SYSTEM_PROMPT.
# The same script runs as the docker-compose service's entrypoint and as start.sh's native launcher.
# Extra arguments are passed to llama-server unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
model="${LOCAL_MODEL_PATH:-./models}/${HF_FILE:?HF_FILE is not set}"
rendered="${RENDERED_TEMPLATE:-${TMPDIR:-/tmp}/dictachat-chat-template.jinja2}"
alias_name="${LLAMA_ALIAS:-$(basename "$model" .gguf)}"

fail() { echo "llama_entrypoint: $*" >&2; exit 1; }

if [[ ! -f "$model" ]]; then
    fail "model file $model not found (LOCAL_MODEL_PATH/HF_FILE); fetch it with: .venv/bin/python -m gateway.cli.model download"
fi
[[ -r "$model" ]] || fail "model file $model is not readable by user $(id -un)"

if [[ -n "${LLAMA_SERVER_BIN:-}" ]]; then server="$LLAMA_SERVER_BIN"
elif command -v llama-server >/dev/null 2>&1; then server="$(command -v llama-server)"
elif [[ -x /app/llama-server ]]; then server=/app/llama-server  # ggml-org/llama.cpp:server images
else fail "llama-server not found: put it on PATH or set LLAMA_SERVER_BIN"
fi

# --- chat template (CHAT_TEMPLATE: model | bundled | a path) ---
# CHAT_TEMPLATE_FILE is one prepared already (compose's chat-template service: the llama.cpp image has
# no Python); otherwise gateway.cli.chat_template reads the GGUF's own template and writes it with
# SYSTEM_PROMPT as the default system message.
if [[ -n "${CHAT_TEMPLATE_FILE:-}" ]]; then
    [[ -r "$CHAT_TEMPLATE_FILE" ]] || fail "chat template $CHAT_TEMPLATE_FILE (CHAT_TEMPLATE_FILE) not found"
    rendered="$CHAT_TEMPLATE_FILE"
else
    python="${TEMPLATE_PYTHON:-$here/.venv/bin/python}"
    [[ -x "$python" ]] || fail "no Python at $python to prepare the chat template; set TEMPLATE_PYTHON or CHAT_TEMPLATE_FILE"
    PYTHONPATH="$here" "$python" -m gateway.cli.chat_template --model "$model" --choice "${CHAT_TEMPLATE:-model}" \
        --system-prompt "${SYSTEM_PROMPT:-}" --out "$rendered" || fail "could not prepare the chat template (see above)"
fi

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

# --- thinking budget: REASONING_BUDGET tokens server-wide (-1 or empty = unlimited) ---
if [[ -n "${REASONING_BUDGET:-}" && "$REASONING_BUDGET" != "-1" ]]; then
    [[ "$REASONING_BUDGET" =~ ^[0-9]+$ ]] || fail "REASONING_BUDGET=$REASONING_BUDGET is not a whole number of tokens (or -1)"
    args+=(--reasoning-budget "$REASONING_BUDGET")
    [[ -n "${REASONING_BUDGET_MESSAGE:-}" ]] && args+=(--reasoning-budget-message "$REASONING_BUDGET_MESSAGE")
fi

echo "llama_entrypoint: $server serving $model as '$alias_name' on port ${args[3]}" >&2
exec "$server" "${args[@]}" "$@"
