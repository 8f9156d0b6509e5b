# Sourced by the ensure_* scripts: the per-user cache they fill once, and the steps every filling shares.
# Sets cache_root and python (the repo's venv when there is one); progress goes to stderr, paths to stdout.

cache_root="${DICTACHAT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dictachat}"
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ -x "$repo_dir/.venv/bin/python" ]]; then python="$repo_dir/.venv/bin/python"; else python="${PYTHON:-python3}"; fi

# cache_hit TEST PATH: when `test TEST PATH` holds (-x a built binary, -s a fetched file), print PATH and exit.
cache_hit() {
    if test "$1" "$2"; then
        echo "$2"
        exit 0
    fi
}

# cache_lock DIR NAME: make DIR and hold its NAME lock for the rest of the script: one fetch or build at a time
# per cache; a second caller waits, then finds the result.
cache_lock() {
    mkdir -p "$1"
    exec 8>"$1/.$2.lock"
    flock 8
}

# cache_fill DIR NAME TEST PATH: cache_lock, then exit with PATH if a caller before made it; else make $work,
# a scratch dir under DIR removed on exit.
cache_fill() {
    cache_lock "$1" "$2"
    cache_hit "$3" "$4"
    work="$(mktemp -d "$1/$2.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
}
