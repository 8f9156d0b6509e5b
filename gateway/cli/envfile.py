"""`python -m gateway.cli.envfile`: create `.env` from `.env.template` and fill empty secrets with fresh random ones."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

# Passwords and API keys: generated when empty or absent, kept when a user set them (in .env or the environment).
SECRETS = ("POSTGRESQL_PASSWORD", "REDIS_PASSWORD", "ADMIN_PASS", "FRONTEND_API_KEY", "LLAMA_API_KEY")
_ASSIGNMENT = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def new_secret() -> str:
    # Hex only: safe unquoted in .env, shell, YAML and database/Redis URLs.
    return secrets.token_hex(16)


def _is_empty(value: str) -> bool:
    return value.strip() in ("", '""', "''")


def fill_secrets(env_file: Path, names: tuple[str, ...] = SECRETS) -> list[str]:
    """Give every secret that is empty or absent in `env_file` (and not set in the environment) a new value."""
    lines = env_file.read_text(encoding="utf-8").splitlines()
    seen: set[str] = set()
    filled: list[str] = []
    for i, line in enumerate(lines):
        match = _ASSIGNMENT.match(line)
        if not match or match["name"] not in names:
            continue
        seen.add(match["name"])
        if _is_empty(match["value"]) and not os.environ.get(match["name"]):
            lines[i] = f"{match['name']}={new_secret()}"
            filled.append(match["name"])
    for name in names:
        if name not in seen and not os.environ.get(name):
            lines.append(f"{name}={new_secret()}")
            filled.append(name)
    if filled:
        env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env_file.chmod(0o600)
    return filled


def ensure_env(env_file: Path, template: Path) -> list[str]:
    """Lines saying what was done: `.env` created from the template, secrets generated."""
    said: list[str] = []
    if not env_file.exists():
        if not template.exists():
            raise SystemExit(f"envfile: neither {env_file} nor {template} exists")
        shutil.copyfile(template, env_file)
        said.append(f"created {env_file} from {template}")
    filled = fill_secrets(env_file)
    if filled:
        said.append(f"generated {', '.join(filled)} in {env_file}")
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.cli.envfile", description=__doc__)
    parser.add_argument("--env-file", type=Path, default=Path(".env"))
    parser.add_argument("--template", type=Path, default=Path(".env.template"))
    args = parser.parse_args(argv)
    for line in ensure_env(args.env_file, args.template):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
