# start.sh's native mode (sourced): CPU llama-server, gateway and dictachat as background processes
# with pid files in $RUN_DIR and logs in $LOG_DIR. Expects the exported settings from gateway.cli.envcheck.

native_running() { live_pid "$1" >/dev/null; }
native_logs() { tail -n 25 "$LOG_DIR/$1.log" 2>/dev/null; }

# DictaLM when its GGUF is in LOCAL_MODEL_PATH (SHA-256 checked), else the small model from PyPI.
choose_native_model() {
    local dictalm="$LOCAL_MODEL_PATH/$HF_FILE" small
    if [[ -f "$dictalm" ]]; then
        .venv/bin/python -m gateway.cli.model verify | sed 's/^/  /' || die "the model file failed its check (see above)"
        MODEL_DIR="$LOCAL_MODEL_PATH" MODEL_FILE="$HF_FILE"
    else
        small=$(scripts/ensure_small_model.sh) || die "could not get the small default model"
        MODEL_DIR="$(dirname "$small")" MODEL_FILE="$(basename "$small")"
        say "  $dictalm not found: running the small SmolLM2-135M-Instruct instead."
        say "  To run DictaLM-3.0: .venv/bin/python -m gateway.cli.model download   (then ./start.sh again)"
    fi
    MODEL_NAME="${MODEL_FILE%.gguf}"
}

claim_ports() {
    local name port
    mkdir -p "$RUN_DIR"
    : >"$RUN_DIR/ports"
    for name in LLAMA_HOST_PORT BRICKSLLM_ADMIN_PORT BRICKSLLM_PROXY_PORT DICTACHAT_PORT; do
        port="${!name}"
        port_in_use "$port" && die "port $port ($name) is in use by another program; stop it or set $name in $ENV_FILE"
        echo "$name $port" >>"$RUN_DIR/ports"
    done
}

native_up() {
    local llama_bin bun
    choose_native_model
    .venv/bin/python -m gateway.cli.resources --model-file "$MODEL_DIR/$MODEL_FILE" --disk-path "$LOCAL_MODEL_PATH" \
        --need-disk-gb 1 | sed 's/^/  /' || die "not enough resources (see above)"

    step "Services"
    claim_ports
    echo native >"$RUN_DIR/mode"
    llama_bin=$(scripts/ensure_llama_server.sh) || die "no llama-server (see the build log named above)"
    bun=$(scripts/ensure_bun.sh) || die "no bun for the Reflex frontend"
    mkdir -p "$LOG_DIR"
    # No migration step here: `python -m gateway` migrates on start and, with the database down, serves
    # within its rules and keeps retrying, so a restart during an outage is not an outage of the proxy.

    spawn llama-server env LLAMA_SERVER_BIN="$llama_bin" LOCAL_MODEL_PATH="$MODEL_DIR" HF_FILE="$MODEL_FILE" \
        LLAMA_HOST=127.0.0.1 LLAMA_PORT="$LLAMA_HOST_PORT" RENDERED_TEMPLATE="$RUN_DIR/chat_template.jinja2" \
        ./llama_entrypoint.sh
    spawn gateway env LLAMA_URL="http://127.0.0.1:$LLAMA_HOST_PORT" .venv/bin/python -m gateway
    spawn dictachat env GATEWAY_URL="http://127.0.0.1:$BRICKSLLM_PROXY_PORT" CHAT_TEMPLATE_FILE="$RUN_DIR/chat_template.jinja2" \
        GATEWAY_ADMIN_URL="http://127.0.0.1:$BRICKSLLM_ADMIN_PORT" REFLEX_BUN_PATH="$bun" \
        REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false \
        .venv/bin/reflex run --env prod --frontend-port "$DICTACHAT_PORT" --backend-port "$DICTACHAT_PORT" \
        --backend-host 127.0.0.1
    say "  started llama-server ($MODEL_NAME), gateway and dictachat; logs in $LOG_DIR/"

    step "Health"
    wait_for llama-server 900 "loading the model" http_ok "http://127.0.0.1:$LLAMA_HOST_PORT/health"
    wait_for gateway 120 "starting" http_ok "http://127.0.0.1:$BRICKSLLM_ADMIN_PORT/api/health"
    wait_for dictachat 1200 "building the web app" http_ok "http://127.0.0.1:$DICTACHAT_PORT/ping"
}
