"""scripts/gpu_check.sh: without an NVIDIA GPU it says so in one line and exits 2, starting nothing; its
question-and-measure part runs against a real gateway (in front of the scripted upstream, since there is
no GPU and no DictaLM here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gateway.cli import gpu_check
from gateway.cli.gpu_check import PROBES, Probe, ask, report
from tests.support import ROOT, Gateway

# pynvml as a machine without the NVIDIA driver has it, so the no-GPU path is the same on any test box.
NO_DRIVER = '''
class NVMLError(Exception):
    pass
def nvmlInit():
    raise NVMLError("NVML Shared Library Not Found")
'''


@pytest.fixture
def no_driver(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "pynvml.py").write_text(NO_DRIVER)
    return {**os.environ, "PYTHONPATH": f"{tmp_path}:{ROOT}", "PYTHON": sys.executable, "TMPDIR": str(tmp_path / "tmp")}


def test_without_a_gpu_the_script_says_so_and_exits_non_zero(no_driver: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    result = subprocess.run([str(ROOT / "scripts" / "gpu_check.sh")], env=no_driver, capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == gpu_check.NO_GPU_EXIT == 2
    assert result.stderr.strip().splitlines() == [
        "gpu_check: No NVIDIA GPU detected (NVIDIA driver not available: NVML Shared Library Not Found). "
        "This check needs an NVIDIA GPU and its driver; nothing was started."]
    assert result.stdout == "" and list((tmp_path / "tmp").iterdir()) == []  # no work dir, no process


async def test_the_probes_stream_through_the_gateway_and_measure(gateway: Gateway) -> None:
    tool = Probe("tool", 'Compute [tool:calculator {"expression": "1234*5678"}]', lambda r: "calculator" in r.tool_names,
                 with_tools=True)
    async with httpx.AsyncClient(timeout=60, trust_env=False) as client:
        hebrew = await ask(client, gateway.proxy_url, gateway.frontend_key, PROBES[0], starts_in_thinking=False)
        called = await ask(client, gateway.proxy_url, gateway.frontend_key, tool, starts_in_thinking=False)
        refused = await ask(client, gateway.proxy_url, "sk-wrong", PROBES[0], starts_in_thinking=False)
    assert hebrew.thinking.strip() and "עברית" in hebrew.answer and not hebrew.error
    assert hebrew.completion_tokens > 0 and hebrew.ttft_s is not None and 0 < hebrew.ttft_s <= hebrew.seconds
    assert called.tool_names == ["calculator"]
    assert refused.error.startswith("HTTP 401")
    table, ok = report([(PROBES[0], hebrew), (tool, called), (PROBES[0], refused)], 3 * 2**30)
    assert not ok
    lines = table.splitlines()
    assert lines[2].startswith("| hebrew | pass | ") and lines[3].startswith("| tool | pass | ")
    assert lines[4].startswith("| hebrew | FAIL | ") and "HTTP 401" in lines[4]
    assert lines[-1] == "VRAM used by the model: 3.0 GiB"


def test_probe_command_prints_the_table_and_fails_when_a_check_fails(gateway: Gateway) -> None:
    # The scripted upstream answers Hebrew and thinks, but calls no tool unless asked by a marker.
    result = subprocess.run([sys.executable, "-m", "gateway.cli.gpu_check", "probe", "--gateway", gateway.proxy_url,
                             "--key", gateway.frontend_key, "--no-opened-thinking"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in result.stdout.splitlines()[2:5]}
    assert rows == {"hebrew": "pass", "thinking": "pass", "tool": "FAIL"}
    assert "VRAM used: unknown" in result.stdout  # no GPU here
