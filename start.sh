#!/usr/bin/env bash
# Run the whole DictaChat stack. With Docker and an NVIDIA GPU: the docker-compose stack. Without them
# (or with --native): natively, a CPU llama-server, the gateway and dictachat as background processes.
# Ends with test-stack.sh, the URLs and, when it generated one, the admin password. ./stop.sh stops it.
#
# Usage: ./start.sh [--native | --compose]
# Ports and files follow .env; BRICKSLLM_ADMIN_PORT, BRICKSLLM_PROXY_PORT, LLAMA_HOST_PORT and
# DICTACHAT_PORT in the environment override it, DICTACHAT_ENV_FILE/RUN_DIR/LOG_DIR move .env, run/, logs/.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/stack_lib.sh
. scripts/start_native.sh
. scripts/start_compose.sh

mode=auto
case "${1:-}" in
    --native) mode=native ;;
    --compose) mode=compose ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) die "unknown option '$1' (usage: ./start.sh [--native | --compose])" ;;
esac

choose_mode() {
    [[ "$mode" == auto ]] || return 0
    if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
        mode=native; say "mode: native (no Docker engine reachable)"
    elif ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
        mode=native; say "mode: native (no NVIDIA GPU/driver)"
    else
        mode=compose; say "mode: docker-compose (Docker and an NVIDIA GPU found)"
    fi
}

ensure_venv() {
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
        || die "Python 3.11 or newer is needed as python3"
    [[ -x .venv/bin/python ]] || python3 -m venv .venv
    local stamp=.venv/.requirements.sha256 want
    want=$(sha256sum requirements.txt | cut -d' ' -f1)
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        say "installing the pinned requirements into .venv"
        .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
        echo "$want" >"$stamp"
    else
        say ".venv is up to date with requirements.txt"
    fi
}

generated_admin_pass=""
prepare_env() {
    local said exports
    said=$(.venv/bin/python -m gateway.cli.envfile --env-file "$ENV_FILE" --template .env.template)
    [[ -n "$said" ]] && say "$said"
    [[ "$said" == *ADMIN_PASS* ]] && generated_admin_pass=1
    exports=$(.venv/bin/python -m gateway.cli.envcheck --env-file "$ENV_FILE" --mode "$mode" --export) \
        || die "fix the lines above in $ENV_FILE (or the environment) and run ./start.sh again"
    eval "$exports"
    say "$ENV_FILE: every required variable is set and valid"
}

# Poll `probe` (a command) once a second until it succeeds; one progress line per service.
wait_for() {
    local name="$1" timeout="$2" detail="$3"; shift 3
    local start=$SECONDS
    while ! "$@" 2>/dev/null; do
        if ! "${mode}_running" "$name"; then
            [[ -t 1 ]] && printf '\n'
            say "  $name stopped; its last log lines:"
            "${mode}_logs" "$name" | sed 's/^/    /'
            ./stop.sh >/dev/null
            die "$name did not start"
        fi
        if (( SECONDS - start >= timeout )); then
            [[ -t 1 ]] && printf '\n'
            "${mode}_logs" "$name" | sed 's/^/    /'
            die "$name not healthy after ${timeout}s (the stack is left running for inspection; ./stop.sh stops it)"
        fi
        [[ -t 1 ]] && printf '\r  %-13s %s... %ds ' "$name" "$detail" $((SECONDS - start))
        sleep 1
    done
    [[ -t 1 ]] && printf '\r'
    printf '  %-13s healthy after %ds%*s\n' "$name" $((SECONDS - start)) 20 ''
}

http_ok() { [[ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$1")" == 200 ]]; }

# The first start creates the chat's first admin account; its password is printed once, here.
chat_admin_line=""
create_first_account() {
    local out
    if [[ "$mode" == compose ]]; then
        out=$(compose exec -T dictachat python -m dictachat.auth.bootstrap) || die "could not create the first chat account"
    else
        out=$(.venv/bin/python -m dictachat.auth.bootstrap) || die "could not create the first chat account"
    fi
    chat_admin_line=$(grep '^CHAT_ADMIN ' <<<"$out" || true)
}

summary() {
    local host=http://127.0.0.1
    step "DictaChat is running ($mode, model: $MODEL_NAME)"
    say "  chat          $host:$DICTACHAT_PORT/"
    say "  dashboard     $host:$DICTACHAT_PORT/admin"
    say "  proxy API     $host:$BRICKSLLM_PROXY_PORT/v1   (OpenAI-compatible; key FRONTEND_API_KEY)"
    say "  admin API     $host:$BRICKSLLM_ADMIN_PORT   (/docs, /metrics; X-API-KEY: ADMIN_PASS)"
    say "  llama-server  $host:$LLAMA_HOST_PORT"
    if [[ -n "$generated_admin_pass" ]]; then
        say "  admin password (generated, saved as ADMIN_PASS in $ENV_FILE): $ADMIN_PASS"
    else
        say "  admin password: the ADMIN_PASS you set (environment or $ENV_FILE)"
    fi
    if [[ -n "$chat_admin_line" ]]; then
        read -r _ name pass <<<"$chat_admin_line"
        say "  chat sign-in (first admin, shown only this once): user $name, password $pass"
    fi
    say "Logs: $([[ $mode == native ]] && echo "$LOG_DIR/" || echo "docker compose logs -f"). Stop with ./stop.sh"
}

command -v curl >/dev/null 2>&1 || die "curl is needed (apt-get install curl)"
step "Stopping what an earlier ./start.sh left running"
./stop.sh | sed 's/^/  /'
step "Prerequisites"
choose_mode
ensure_venv
step "Configuration"
prepare_env
step "Resources"
if [[ "$mode" == compose ]]; then compose_up; else native_up; fi
create_first_account
step "Smoke test (test-stack.sh)"
./test-stack.sh | sed 's/^/  /' || { say "the stack runs, but the smoke test failed; see above"; exit 1; }
summary
