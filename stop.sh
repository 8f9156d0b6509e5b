#!/usr/bin/env bash
# Stop exactly what start.sh started: its docker-compose project, or the native processes named in
# the pid files (each with its whole process tree). Never looks processes up by name. Safe to repeat.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/stack_lib.sh

stopped=0

# Every process started from `pid` (its session/group plus descendants that left it).
tree() {
    local root="$1"
    ps -eo pid=,ppid=,sid= | awk -v root="$root" '
        { parent[$1] = $2; session[$1] = $3 }
        END {
            for (p in parent) {
                if (session[p] == root) { print p; continue }
                for (q = p; q in parent && q > 1; q = parent[q]) if (q == root) { print p; break }
            }
        }'
}

any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

declare -A leader=() members=()

# Ask one service's processes to stop (SIGTERM); remembers them for finish_native.
signal_native() {
    local name="$1" file="$RUN_DIR/$1.pid" pid stamp pids=()
    [[ -f "$file" ]] || return 0
    read -r pid stamp <"$file" || true
    rm -f "$file"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if live_pid_matches "$pid" "$stamp" || ! kill -0 "$pid" 2>/dev/null; then
        # Linux never reuses a pid while it names a live session, so its members are still ours.
        mapfile -t pids < <(tree "$pid")
    fi
    if (( ${#pids[@]} == 0 )); then
        say "$name: was not running (stale pid file removed)"
        return 0
    fi
    kill -TERM "${pids[@]}" 2>/dev/null || true
    leader[$name]=$pid
    members[$name]="${pids[*]}"
}

# Wait (20 s at most, all services at once), then SIGKILL whatever is left; one line per service.
finish_native() {
    local name all=() pids=()
    for name in "${!members[@]}"; do read -ra pids <<<"${members[$name]}"; all+=("${pids[@]}"); done
    (( ${#all[@]} )) || return 0
    for _ in $(seq 100); do any_alive "${all[@]}" || break; sleep 0.2; done
    for name in "$@"; do
        [[ -n "${members[$name]:-}" ]] || continue
        read -ra pids <<<"${members[$name]}"
        if any_alive "${pids[@]}"; then
            kill -KILL "${pids[@]}" 2>/dev/null || true
            say "$name: stopped (pid ${leader[$name]}, killed after 20 s)"
        else
            say "$name: stopped (pid ${leader[$name]})"
        fi
    done
    stopped=1
}

if [[ "$(cat "$RUN_DIR/mode" 2>/dev/null)" == compose ]]; then
    if command -v docker >/dev/null 2>&1; then
        docker compose --env-file "$ENV_FILE" down --remove-orphans
        say "docker-compose stack: stopped"
        stopped=1
    else
        say "docker-compose stack: docker is not available, nothing stopped"
    fi
fi
reversed=()
for (( i=${#NATIVE_SERVICES[@]}-1; i>=0; i-- )); do reversed+=("${NATIVE_SERVICES[i]}"); done
for service in "${reversed[@]}"; do signal_native "$service"; done
finish_native "${reversed[@]}"

if [[ -f "$RUN_DIR/ports" ]]; then
    while read -r name port; do
        if port_in_use "$port"; then
            say "warning: port $port ($name) is still in use by a program start.sh did not start; left alone"
        fi
    done <"$RUN_DIR/ports"
fi
rm -f "$RUN_DIR/mode" "$RUN_DIR/ports"
(( stopped )) || say "nothing to stop: no stack started by start.sh is running"
