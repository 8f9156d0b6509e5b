"""A bad setting stops the gateway at start with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import ROOT


@pytest.mark.parametrize("name,value", [("BRICKSLLM_PROXY_PORT", "abc"), ("BRICKSLLM_ADMIN_PORT", "70000"),
                                        ("BRICKSLLM_MODE", "staging")])
def test_bad_value_fails_with_one_clear_line(name: str, value: str) -> None:
    env = {**os.environ, name: value}
    proc = subprocess.run([sys.executable, "-m", "gateway"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("configuration error")]
    assert len(lines) == 1 and lines[0].startswith(f"configuration error: {name}:")
    assert "Traceback" not in proc.stderr
