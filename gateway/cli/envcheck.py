"""`python -m gateway.cli.envcheck`: validate `.env` and the environment before the stack starts, one line per problem.

Types and ranges come from `common.settings.Settings`; this adds what a whole stack needs on top:
the variables that must be present in each mode and ports that do not collide.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from dotenv import dotenv_values

from common.settings import Settings, SettingsError

REQUIRED: dict[str, tuple[str, ...]] = {
    "native": ("LLAMA_HOST_PORT", "HF_FILE", "LOCAL_MODEL_PATH", "BRICKSLLM_MODE", "BRICKSLLM_ADMIN_PORT",
               "BRICKSLLM_PROXY_PORT", "ADMIN_PASS", "FRONTEND_API_KEY", "LLAMA_API_KEY"),
    "compose": ("POSTGRESQL_USERNAME", "POSTGRESQL_PASSWORD", "POSTGRESQL_DB", "POSTGRESQL_HOST_PORT",
                "REDIS_PASSWORD", "REDIS_HOST_PORT", "LLAMA_IMAGE"),
}
PORTS: dict[str, tuple[str, ...]] = {
    "native": ("LLAMA_HOST_PORT", "BRICKSLLM_ADMIN_PORT", "BRICKSLLM_PROXY_PORT", "DICTACHAT_PORT"),
    "compose": ("POSTGRESQL_HOST_PORT", "REDIS_HOST_PORT"),
}
# What start.sh and test-stack.sh read after a clean check (the effective values: environment over .env).
EXPORTS = ("LLAMA_HOST_PORT", "BRICKSLLM_ADMIN_PORT", "BRICKSLLM_PROXY_PORT", "DICTACHAT_PORT",
           "POSTGRESQL_HOST_PORT", "REDIS_HOST_PORT", "HF_REPO", "HF_FILE", "HF_FILE_SHA256", "LOCAL_MODEL_PATH",
           "CONTEXT_SIZE", "N_GPU_LAYERS", "LLAMA_PARALLEL", "SYSTEM_PROMPT", "ADMIN_PASS", "FRONTEND_API_KEY",
           "LLAMA_API_KEY", "DATABASE_URL", "REDIS_URL", "CHAT_TEMPLATE", "REASONING_BUDGET")


def _names(mode: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return table["native"] + (table["compose"] if mode == "compose" else ())


def effective_values(env_file: Path) -> dict[str, str]:
    """`.env` values overlaid with the process environment, as Settings sees them."""
    values = {k: v or "" for k, v in dotenv_values(env_file).items()} if env_file.exists() else {}
    values.update({k: v for k, v in os.environ.items() if k in values or k.lower() in Settings.field_names()})
    return values


def _missing(values: dict[str, str], mode: str) -> list[str]:
    return [f"{name} is missing or empty (required)" for name in _names(mode, REQUIRED) if not values.get(name, "").strip()]


def _invalid(env_file: Path) -> tuple[Settings | None, list[str]]:
    try:
        return Settings.load(env_file), []
    except SettingsError as exc:
        return None, [f"{name}: {msg} (got {given!r})" for name, msg, given in exc.problems]


def _collisions(settings: Settings, mode: str) -> list[str]:
    owners: dict[int, str] = {}
    problems = []
    for name in _names(mode, PORTS):
        port = settings.value(name)
        if port in owners:
            problems.append(f"{name} and {owners[port]} are both {port}: every service needs its own port")
        owners.setdefault(port, name)
    return problems


def check(env_file: Path, mode: str) -> tuple[Settings | None, list[str]]:
    """The validated settings (None if invalid) and every problem found."""
    if not env_file.exists():
        return None, [f"{env_file} does not exist (./start.sh creates it from .env.template)"]
    problems = _missing(effective_values(env_file), mode)
    settings, invalid = _invalid(env_file)
    problems += invalid
    if settings is not None:
        problems += _collisions(settings, mode)
    return settings, problems


def shell_exports(settings: Settings) -> str:
    return "\n".join(f"export {name}={shlex.quote(str(settings.value(name)))}" for name in EXPORTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.cli.envcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", type=Path, default=Path(".env"))
    parser.add_argument("--mode", choices=("native", "compose"), default="native")
    parser.add_argument("--export", action="store_true", help="print the effective values as shell exports")
    args = parser.parse_args(argv)
    settings, problems = check(args.env_file, args.mode)
    for problem in problems:
        print(f"{args.env_file}: {problem}", file=sys.stderr)
    if problems or settings is None:
        return 1
    if args.export:
        print(shell_exports(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
