""".env creation and validation as start.sh uses them: one line per problem, secrets generated once."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from common.settings import ROOT, Settings
from gateway.cli import envcheck, envfile

TEMPLATE = ROOT / ".env.template"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the .env under test counts, not whatever the developer's shell exports."""
    for name in list(os.environ):
        if name.lower() in Settings.field_names():
            monkeypatch.delenv(name)


@pytest.fixture
def env_path(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    envfile.ensure_env(path, TEMPLATE)
    return path


def set_line(path: Path, name: str, value: str | None) -> None:
    """Replace NAME=... in the file; None removes the line."""
    lines = [line for line in path.read_text().splitlines() if not line.startswith(f"{name}=")]
    if value is not None:
        lines.append(f"{name}={value}")
    path.write_text("\n".join(lines) + "\n")


def test_generated_env_is_valid_in_both_modes(env_path: Path) -> None:
    for mode in ("native", "compose"):
        settings, problems = envcheck.check(env_path, mode)
        assert problems == []
        assert settings is not None and settings.chat.dictachat_port == 8003


def test_every_template_variable_is_a_setting() -> None:
    """A name Settings does not know would be ignored without a word."""
    names = set(envcheck.effective_values(TEMPLATE))
    assert {name for name in names if name.lower() not in Settings.field_names()} == set()


def test_template_gets_fresh_distinct_secrets(tmp_path: Path) -> None:
    said = envfile.ensure_env(tmp_path / ".env", TEMPLATE)
    assert said == [f"created {tmp_path / '.env'} from {TEMPLATE}",
                    f"generated POSTGRESQL_PASSWORD, REDIS_PASSWORD, LLAMA_API_KEY, ADMIN_PASS, FRONTEND_API_KEY "
                    f"in {tmp_path / '.env'}"]
    values = envcheck.effective_values(tmp_path / ".env")
    secrets = [values[name] for name in envfile.SECRETS]
    assert len(set(secrets)) == 5 and all(len(s) == 32 for s in secrets)
    other = tmp_path / "other.env"
    envfile.ensure_env(other, TEMPLATE)
    assert envcheck.effective_values(other)["ADMIN_PASS"] != values["ADMIN_PASS"]


def test_existing_secrets_are_kept_and_empty_admin_pass_generated(env_path: Path) -> None:
    before = envcheck.effective_values(env_path)
    set_line(env_path, "ADMIN_PASS", "")
    assert envfile.ensure_env(env_path, TEMPLATE) == [f"generated ADMIN_PASS in {env_path}"]
    after = envcheck.effective_values(env_path)
    assert after["POSTGRESQL_PASSWORD"] == before["POSTGRESQL_PASSWORD"]
    assert after["ADMIN_PASS"] and after["ADMIN_PASS"] != before["ADMIN_PASS"]
    assert envfile.ensure_env(env_path, TEMPLATE) == []  # second run: nothing to do
    assert "# Password of the admin API" in env_path.read_text()  # comments survive


def test_admin_pass_from_the_environment_is_not_overwritten(env_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_line(env_path, "ADMIN_PASS", None)
    monkeypatch.setenv("ADMIN_PASS", "from-the-shell")
    assert envfile.ensure_env(env_path, TEMPLATE) == []
    assert "ADMIN_PASS=" not in env_path.read_text()
    settings, problems = envcheck.check(env_path, "native")
    assert problems == [] and settings is not None and settings.gateway.admin_pass == "from-the-shell"


def test_each_missing_required_variable_is_named_on_its_own_line(env_path: Path) -> None:
    for name in ("HF_FILE", "BRICKSLLM_PROXY_PORT", "REDIS_PASSWORD"):
        set_line(env_path, name, None)
    set_line(env_path, "LOCAL_MODEL_PATH", "")
    _, native = envcheck.check(env_path, "native")
    assert native == [
        "HF_FILE is missing or empty (required)",
        "LOCAL_MODEL_PATH is missing or empty (required)",
        "BRICKSLLM_PROXY_PORT is missing or empty (required)",
    ]
    _, compose = envcheck.check(env_path, "compose")
    assert compose == [*native, "REDIS_PASSWORD is missing or empty (required)"]


@pytest.mark.parametrize(("value", "message"), [
    ("99999", "BRICKSLLM_ADMIN_PORT: Input should be less than or equal to 65535 (got '99999')"),
    ("0", "BRICKSLLM_ADMIN_PORT: Input should be greater than or equal to 1 (got '0')"),
    ("http", "BRICKSLLM_ADMIN_PORT: Input should be a valid integer, unable to parse string as an integer (got 'http')"),
])
def test_bad_port_is_rejected(env_path: Path, value: str, message: str) -> None:
    set_line(env_path, "BRICKSLLM_ADMIN_PORT", value)
    settings, problems = envcheck.check(env_path, "native")
    assert settings is None and problems == [message]


def test_bad_port_from_the_environment_is_rejected(env_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_HOST_PORT", "70000")
    _, problems = envcheck.check(env_path, "native")
    assert problems == ["LLAMA_HOST_PORT: Input should be less than or equal to 65535 (got '70000')"]


def test_colliding_ports_are_rejected(env_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DICTACHAT_PORT", "8002")
    _, problems = envcheck.check(env_path, "native")
    assert problems == ["DICTACHAT_PORT and BRICKSLLM_PROXY_PORT are both 8002: every service needs its own port"]
    monkeypatch.setenv("DICTACHAT_PORT", "6380")
    assert envcheck.check(env_path, "native")[1] == []
    assert envcheck.check(env_path, "compose")[1] == [
        "REDIS_HOST_PORT and DICTACHAT_PORT are both 6380: every service needs its own port"]


def test_missing_env_file(tmp_path: Path) -> None:
    settings, problems = envcheck.check(tmp_path / ".env", "native")
    assert settings is None
    assert problems == [f"{tmp_path / '.env'} does not exist (./start.sh creates it from .env.template)"]


def test_cli_prints_problems_and_exits_nonzero(env_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_line(env_path, "HF_FILE", None)
    set_line(env_path, "BRICKSLLM_PROXY_PORT", "x")
    assert envcheck.main(["--env-file", str(env_path), "--export"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{env_path}: HF_FILE is missing or empty (required)",
        f"{env_path}: BRICKSLLM_PROXY_PORT: Input should be a valid integer, unable to parse string as an integer (got 'x')",
    ]


def test_exports_survive_the_shell_with_environment_overrides(env_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prompt = "אתה \"DictaLM\" — it's $HOME `x`\nsecond line"
    set_line(env_path, "SYSTEM_PROMPT", '"' + prompt.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"')
    monkeypatch.setenv("BRICKSLLM_ADMIN_PORT", "18001")
    settings, problems = envcheck.check(env_path, "native")
    assert problems == [] and settings is not None
    script = envcheck.shell_exports(settings) + '\nprintf "%s|%s" "$BRICKSLLM_ADMIN_PORT" "$SYSTEM_PROMPT"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True, env={}).stdout
    assert out == f"18001|{prompt}"


def test_a_fresh_env_has_a_random_frontend_key_not_the_seeds(tmp_path: Path) -> None:
    seed = "sk-bricksllm-frontend-llama-key-explicit"
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    envfile.ensure_env(first, TEMPLATE)
    envfile.ensure_env(second, TEMPLATE)
    keys = {envcheck.effective_values(p)["FRONTEND_API_KEY"] for p in (first, second)}
    assert len(keys) == 2 and seed not in keys
    assert seed not in TEMPLATE.read_text().split("FRONTEND_API_KEY=")[1].splitlines()[0]
    assert Settings.load(env_file=None).chat.frontend_api_key == ""  # no published default either


def test_the_seeds_frontend_key_is_kept_when_a_user_sets_it(env_path: Path) -> None:
    set_line(env_path, "FRONTEND_API_KEY", "sk-bricksllm-frontend-llama-key-explicit")
    assert envfile.ensure_env(env_path, TEMPLATE) == []
    assert envcheck.effective_values(env_path)["FRONTEND_API_KEY"] == "sk-bricksllm-frontend-llama-key-explicit"
