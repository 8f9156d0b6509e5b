#!/usr/bin/env bash
# Smoke-test the running stack (native or docker-compose): health of every service, a chat completion
# through the proxy (plain and streamed), its event in the admin API, 401 for a bad key.
# One PASS/FAIL line per check; exits non-zero if any fails.
set -euo pipefail
cd "$(dirname "$0")"
[[ -x .venv/bin/python ]] || { echo "test-stack.sh: .venv is missing; run ./start.sh first" >&2; exit 1; }
exec .venv/bin/python -m gateway.cli.stackcheck --env-file "${DICTACHAT_ENV_FILE:-.env}" "$@"
