# Shared by start.sh and stop.sh (sourced from the repository root): where state lives, pid files, ports.
# DICTACHAT_RUN_DIR / DICTACHAT_LOG_DIR / DICTACHAT_ENV_FILE move them, so tests can run a stack beside yours.

RUN_DIR="${DICTACHAT_RUN_DIR:-$PWD/run}"
LOG_DIR="${DICTACHAT_LOG_DIR:-$PWD/logs}"
ENV_FILE="${DICTACHAT_ENV_FILE:-$PWD/.env}"
NATIVE_SERVICES=(llama-server gateway dictachat)  # start order; stop.sh goes in reverse

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A process's start time: with the pid it identifies the process even after its pid is reused.
started_at() { ps -o lstart= -p "$1" 2>/dev/null | awk '{$1 = $1; print}'; }

# Run a command in its own session (so stop.sh can end its whole process tree) and record it.
spawn() {
    local name="$1"; shift
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    local pid=$!
    printf '%s %s\n' "$pid" "$(started_at "$pid")" >"$RUN_DIR/$name.pid"
}

# True if `pid` is still the very process recorded with start time `stamp`.
live_pid_matches() { [[ -n "$2" && "$(started_at "$1")" == "$2" ]]; }

# The pid from a service's pid file if that very process is still running.
live_pid() {
    local pid stamp
    read -r pid stamp <"$RUN_DIR/$1.pid" 2>/dev/null || return 1
    live_pid_matches "$pid" "$stamp" && echo "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
