# start.sh's docker-compose mode (sourced): the GPU stack of docker-compose.yml.
# Expects the exported settings from gateway.cli.envcheck.

COMPOSE_SERVICES=(postgresql redis llama-server gateway dictachat)

compose() { docker compose --env-file "$ENV_FILE" "$@"; }

compose_prerequisites() {
    docker compose version >/dev/null 2>&1 || die "Docker Compose v2 is needed ('docker compose version' failed)"
    docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (is it running? may this user use it?)"
    nvidia-smi -L >/dev/null 2>&1 || die "nvidia-smi failed: the NVIDIA driver is needed for the GPU stack (or use --native)"
    [[ -f docker-compose.yml ]] || die "docker-compose.yml is missing"
    say "  Docker, Docker Compose, NVIDIA driver and docker-compose.yml found"
}

# The GPU stack serves DictaLM itself: fetch it (asking first) when it is not there yet.
ensure_dictalm() {
    local path="$LOCAL_MODEL_PATH/$HF_FILE" answer=""
    if [[ ! -f "$path" ]]; then
        say "  $path not found (LOCAL_MODEL_PATH/HF_FILE)."
        if [[ -t 0 ]]; then
            .venv/bin/python -m gateway.cli.resources --disk-path "$LOCAL_MODEL_PATH" --need-disk-gb 15 | sed 's/^/  /' \
                || die "not enough disk space for the model"
            read -r -p "  Download $HF_FILE from $HF_REPO now (about 13 GB)? [y/N] " answer
        fi
        [[ "$answer" == [yY]* ]] || die "get the model with: .venv/bin/python -m gateway.cli.model download"
        .venv/bin/python -m gateway.cli.model download || die "the download did not finish; run ./start.sh again to resume"
    else
        .venv/bin/python -m gateway.cli.model verify | sed 's/^/  /' || die "the model file failed its check (see above)"
    fi
    MODEL_NAME="${HF_FILE%.gguf}"
}

compose_running() {
    local state
    state=$(docker inspect -f '{{.State.Status}}' "$(compose ps -aq "$1")" 2>/dev/null)
    [[ "$state" == running || "$state" == created ]]
}
compose_logs() { compose logs --no-color --tail 25 "$1" 2>&1; }
compose_health() { [[ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q "$1")")" == healthy ]]; }

compose_up() {
    compose_prerequisites
    ensure_dictalm
    .venv/bin/python -m gateway.cli.resources --model-file "$LOCAL_MODEL_PATH/$HF_FILE" --disk-path "$LOCAL_MODEL_PATH" \
        --need-gpu --need-disk-gb 2 | sed 's/^/  /' || die "not enough resources (see above)"

    step "Services (docker compose up)"
    mkdir -p "$RUN_DIR"
    echo compose >"$RUN_DIR/mode"
    compose up -d --build --remove-orphans

    step "Health"
    local service
    for service in "${COMPOSE_SERVICES[@]}"; do
        wait_for "$service" 1200 "waiting for its healthcheck" compose_health "$service"
    done
}
