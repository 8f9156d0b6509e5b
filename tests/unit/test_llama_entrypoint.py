"""llama_entrypoint.sh with a stand-in llama-server that records its arguments: flags, template, refusals."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from common.settings import ROOT

FAKE_SERVER = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$ARGS_OUT"
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    server = tmp_path / "llama-server"
    server.write_text(FAKE_SERVER)
    server.chmod(0o755)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny.gguf").write_bytes(b"GGUF")
    return {
        "PATH": os.environ["PATH"],
        "ARGS_OUT": str(tmp_path / "args"),
        "LLAMA_SERVER_BIN": str(server),
        "LOCAL_MODEL_PATH": str(tmp_path / "models"),
        "HF_FILE": "tiny.gguf",
        "RENDERED_TEMPLATE": str(tmp_path / "run" / "template.jinja2"),
    }


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "llama_entrypoint.sh")], env=env, capture_output=True, text=True, timeout=30)


def flags(args_file: Path) -> dict[str, str]:
    args = args_file.read_text().splitlines()
    return {a: (args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else "")
            for i, a in enumerate(args) if a.startswith("--")}


def test_starts_llama_server_with_the_settings(env: dict[str, str]) -> None:
    env.update(LLAMA_PORT="18555", CONTEXT_SIZE="4096", N_GPU_LAYERS="0", LLAMA_PARALLEL="3", LLAMA_HOST="127.0.0.1")
    result = run(env)
    assert result.returncode == 0, result.stderr
    got = flags(Path(env["ARGS_OUT"]))
    assert got["--model"] == f"{env['LOCAL_MODEL_PATH']}/tiny.gguf"
    assert (got["--host"], got["--port"], got["--ctx-size"]) == ("127.0.0.1", "18555", "4096")
    assert (got["--n-gpu-layers"], got["--parallel"], got["--alias"]) == ("0", "3", "tiny")
    assert got["--chat-template-file"] == env["RENDERED_TEMPLATE"]
    assert got["--reasoning-format"] == "deepseek"
    assert {"--jinja", "--metrics", "--kv-unified"} <= set(got)


def test_defaults_follow_the_seed(env: dict[str, str]) -> None:
    assert run(env).returncode == 0
    got = flags(Path(env["ARGS_OUT"]))
    assert (got["--port"], got["--ctx-size"], got["--n-gpu-layers"]) == ("5002", "8192", "99")


def test_system_prompt_is_rendered_into_the_template_verbatim(env: dict[str, str]) -> None:
    env["SYSTEM_PROMPT"] = 'אתה "DictaLM" \\ עוזר.\nSecond line & @SYSTEM_PROMPT@'
    assert run(env).returncode == 0
    rendered = Path(env["RENDERED_TEMPLATE"]).read_text()
    assert '{%- set default_system = "אתה \\"DictaLM\\" \\\\ עוזר.\\nSecond line & @SYSTEM_PROMPT@" -%}' in rendered
    template = (ROOT / "chat_template.jinja2.template").read_text()
    assert rendered.count("\n") == template.count("\n")  # only the placeholder line changed


def test_missing_model_is_refused_with_one_clear_line(env: dict[str, str]) -> None:
    env["HF_FILE"] = "absent.gguf"
    result = run(env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"llama_entrypoint: model file {env['LOCAL_MODEL_PATH']}/absent.gguf not found (LOCAL_MODEL_PATH/HF_FILE); "
        "fetch it with: .venv/bin/python -m gateway.cli.model download"]
    assert not Path(env["ARGS_OUT"]).exists()

