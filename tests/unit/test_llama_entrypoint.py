"""llama_entrypoint.sh with a stand-in llama-server that records its arguments: flags, template, refusals."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from common.chat_template import BUNDLED
from common.settings import ROOT
from tests.support import write_gguf

FAKE_SERVER = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$ARGS_OUT"
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    server = tmp_path / "llama-server"
    server.write_text(FAKE_SERVER)
    server.chmod(0o755)
    (tmp_path / "models").mkdir()
    write_gguf(tmp_path / "models" / "tiny.gguf", "{{ 'the model own template' }}")
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


def test_the_model_own_template_runs_with_the_system_prompt_around_it(env: dict[str, str]) -> None:
    env["SYSTEM_PROMPT"] = 'אתה "DictaLM" \\ עוזר.'
    result = run(env)
    assert result.returncode == 0, result.stderr
    rendered = Path(env["RENDERED_TEMPLATE"]).read_text()
    assert rendered.endswith("{{ 'the model own template' }}")
    assert '"אתה \\"DictaLM\\" \\\\ עוזר."' in rendered
    assert "chat_template: the model's own (tiny.gguf)" in result.stderr


def test_chat_template_bundled_and_a_prepared_file(env: dict[str, str], tmp_path: Path) -> None:
    env["CHAT_TEMPLATE"] = "bundled"
    assert run(env).returncode == 0
    assert Path(env["RENDERED_TEMPLATE"]).read_text().endswith(BUNDLED.read_text())
    prepared = tmp_path / "prepared.jinja2"
    prepared.write_text("{{ 'prepared' }}")
    env["CHAT_TEMPLATE_FILE"] = str(prepared)
    assert run(env).returncode == 0
    assert flags(Path(env["ARGS_OUT"]))["--chat-template-file"] == str(prepared)


def test_a_bad_chat_template_choice_stops_the_start(env: dict[str, str]) -> None:
    env["CHAT_TEMPLATE"] = "/nowhere/t.jinja"
    result = run(env)
    assert result.returncode == 1
    assert "CHAT_TEMPLATE=/nowhere/t.jinja: not 'model', 'bundled' or a readable file" in result.stderr
    assert not Path(env["ARGS_OUT"]).exists()


def test_reasoning_budget_becomes_a_server_flag(env: dict[str, str]) -> None:
    assert run(env).returncode == 0
    assert "--reasoning-budget" not in flags(Path(env["ARGS_OUT"]))  # unlimited unless set
    env.update(REASONING_BUDGET="256", REASONING_BUDGET_MESSAGE="Time to answer.")
    assert run(env).returncode == 0
    got = flags(Path(env["ARGS_OUT"]))
    assert (got["--reasoning-budget"], got["--reasoning-budget-message"]) == ("256", "Time to answer.")
    env["REASONING_BUDGET"] = "lots"
    result = run(env)
    assert result.returncode == 1 and "REASONING_BUDGET=lots is not a whole number" in result.stderr


def test_missing_model_is_refused_with_one_clear_line(env: dict[str, str]) -> None:
    env["HF_FILE"] = "absent.gguf"
    result = run(env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"llama_entrypoint: model file {env['LOCAL_MODEL_PATH']}/absent.gguf not found (LOCAL_MODEL_PATH/HF_FILE); "
        "fetch it with: .venv/bin/python -m gateway.cli.model download"]
    assert not Path(env["ARGS_OUT"]).exists()

