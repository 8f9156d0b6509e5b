"""A gateway started while its database is unreachable serves degraded, says why, and recovers by itself."""

from __future__ import annotations

import time

import httpx

from tests.integration.test_resilience import chat, events_of
from tests.support import TcpRelay


def health(admin_url: str) -> dict:
    return httpx.get(admin_url + "/api/health", timeout=10).json()


def test_start_with_the_database_down_then_recover_without_a_restart(gateway_factory, fresh_database: str,
                                                                       upstream) -> None:
    relay = TcpRelay("127.0.0.1", 5432)
    relay.cut()
    try:
        # A fresh, unmigrated database behind a cut relay: the gateway can neither migrate nor authorise.
        gw = gateway_factory(fresh_database.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}"), upstream.url)
        assert gw.child.proc is not None and gw.child.proc.poll() is None
        state = health(gw.admin_url)
        assert state["status"] == "degraded" and state["database"] is False and state["migrated"] is False
        assert any("database unreachable" in p for p in state["problems"])

        refused = chat(gw)
        assert refused.status_code == 503
        assert "database unavailable" in refused.json()["error"]["message"]
        with gw.admin() as admin:
            listing = admin.get("/api/key-management/keys")
        assert listing.status_code == 503
        assert "database is not ready" in listing.json()["error"]["message"]

        relay.restore()
        deadline = time.monotonic() + 60
        while health(gw.admin_url)["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert health(gw.admin_url) == {"status": "ok", "database": True, "redis": True, "migrated": True,
                                        "problems": []}
        served = chat(gw)
        assert served.status_code == 200, served.text
        with gw.admin() as admin:
            assert admin.get("/api/key-management/keys").status_code == 200
        events = events_of(gw, 2)
        assert {e["status"] for e in events} == {503, 200}  # the refused request was recorded too, once back
    finally:
        relay.close()
