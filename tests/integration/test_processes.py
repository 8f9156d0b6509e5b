"""`python -m gateway` runs the admin API and the proxy as separate processes, optionally several proxies."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.integration.test_limits_exact import _burst
from tests.support import Gateway, Upstream


def _children(gw: Gateway) -> list[int]:
    assert gw.child.proc is not None
    pid = gw.child.proc.pid
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _chat(gw: Gateway, key: str) -> int:
    return httpx.post(gw.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=10,
                      json={"messages": [{"role": "user", "content": "hi"}]}).status_code


def test_proxy_serves_while_the_admin_process_is_frozen(gateway_factory, fresh_database: str, upstream: Upstream) -> None:
    gw = gateway_factory(fresh_database, upstream.url)
    admin_pid, *proxies = _children(gw)
    assert len(proxies) == 1
    os.kill(admin_pid, signal.SIGSTOP)  # an admin call that never ends
    try:
        assert [_chat(gw, gw.frontend_key) for _ in range(5)] == [200] * 5
        try:
            httpx.get(gw.admin_url + "/api/health", timeout=1)
            raise AssertionError("the admin answered while stopped: it is not its own process")
        except httpx.TimeoutException:
            pass
    finally:
        os.kill(admin_pid, signal.SIGCONT)
    gw.child.stop()
    assert not any(Path(f"/proc/{pid}").exists() for pid in [admin_pid, *proxies]), "children outlived the gateway"


def test_rate_limit_is_exact_across_worker_processes(gateway_factory, fresh_database: str, upstream: Upstream) -> None:
    gw = gateway_factory(fresh_database, upstream.url, GATEWAY_WORKERS="3")
    assert len(_children(gw)) == 4  # the admin and three proxies on one port
    key = gw.create_key(name="burst", rateLimitOverTime=20, rateLimitUnit="m")["key"]
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)
    assert asyncio.run(_burst([gw.proxy_url], key, 150)) == Counter({200: 20, 429: 130})


def test_revoking_a_key_reaches_the_proxy_without_redis(gateway_factory, tmp_path: Path, upstream: Upstream) -> None:
    gw = gateway_factory(f"sqlite:///{tmp_path / 'gw.db'}", upstream.url, redis=False, KEY_CACHE_TTL_S="3600")
    created = gw.create_key(name="soon revoked")
    assert _chat(gw, created["key"]) == 200  # now cached by the proxy for an hour
    with gw.admin() as admin:
        assert admin.patch(f"/api/key-management/keys/{created['keyId']}", json={"revoked": True}).status_code == 200
    deadline = time.monotonic() + 5
    while _chat(gw, created["key"]) != 401:
        assert time.monotonic() < deadline, "the proxy kept accepting a revoked key"
        time.sleep(0.1)


def test_children_stop_when_the_supervisor_is_killed(gateway_factory, fresh_database: str, upstream: Upstream) -> None:
    gw = gateway_factory(fresh_database, upstream.url)
    children = _children(gw)
    assert gw.child.proc is not None
    os.kill(gw.child.proc.pid, signal.SIGKILL)  # the supervisor alone, as an OOM killer might
    gw.child.proc.wait()
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text() for pid in children):
        assert time.monotonic() < deadline, "a gateway process outlived its supervisor"
        time.sleep(0.2)
