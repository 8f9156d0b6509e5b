#!/usr/bin/env bash
# Install what the tests need, make sure PostgreSQL and Redis are up, lint and type-check, run the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/dictachat"
export REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\n== %s\n' "$*"; }

say "Python environment (.venv, pinned runtime and test requirements)"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
stamp=".venv/.requirements-dev.sha256"
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

say "System packages (Chromium for the browser tests, build tools for llama-server)"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)  # Hebrew glyphs in the browser
for tool in cmake g++ npm; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

say "bun, llama-server and the small test model (built or fetched once into $CACHE)"
REFLEX_BUN_PATH=$(scripts/ensure_bun.sh)
export REFLEX_BUN_PATH
echo "bun: $REFLEX_BUN_PATH"
echo "llama-server: $(scripts/ensure_llama_server.sh)"
echo "model: $(scripts/ensure_small_model.sh)"

say "PostgreSQL and Redis"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
fi
echo "redis: $(redis-cli -h 127.0.0.1 -p 6379 ping)"

say "Lint (ruff) and types (mypy, strict on common/ and gateway/)"
.venv/bin/ruff check .
.venv/bin/mypy

say "pytest"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
exit $status
