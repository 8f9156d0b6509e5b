"""Failover between deployments, a broken stream, and a database outage that loses no event."""

from __future__ import annotations

import time

import httpx
import openai
import pytest
from sqlalchemy import text

from common.db import make_engine
from tests.support import Gateway, TcpRelay, free_port, start_upstream


def chat(gw: Gateway, content: str = "hi", stream: bool = False) -> httpx.Response:
    return httpx.post(gw.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {gw.frontend_key}"},
                      json={"messages": [{"role": "user", "content": content}], "stream": stream}, timeout=30)


def events_of(gw: Gateway, expected: int, timeout_s: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    with gw.admin() as admin:
        while True:
            resp = admin.post("/api/v2/events", json={"limit": 1000})
            events = resp.json()["events"]
            if len(events) >= expected or time.monotonic() > deadline:
                return events
            time.sleep(0.3)


def test_failover_to_second_deployment_and_cooldown(gateway_factory, fresh_database: str, log_dir) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    live = start_upstream(log_dir, "second")
    try:
        gw = gateway_factory(fresh_database, live.url)
        with gw.admin() as admin:
            root = next(p for p in admin.get("/api/custom/providers").json() if p["provider"] == "llama-cpp-root")
            assert admin.patch(f"/api/custom/providers/{root['id']}", json={"urls": [dead, live.url]}).status_code == 200
        # The proxy (its own process) sees the change at its next signal poll (every 0.25 s); a loaded
        # 2-core CI machine can delay that poll well past one period.
        time.sleep(2.0)

        def dead_failures() -> float:
            with gw.admin() as admin:
                metrics = admin.get("/metrics").text
            lines = [line for line in metrics.splitlines() if line.startswith("gateway_upstream_errors_total") and dead in line]
            return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0

        # The router picks at random among healthy deployments (six requests all miss the dead one in 1 of
        # 64 runs): ask until it has tried the dead one. Each request fails over and is answered.
        sent = 0
        while dead_failures() == 0:
            assert sent < 40, "the dead deployment was never tried"
            assert chat(gw).status_code == 200
            sent += 1
        for _ in range(6):
            assert chat(gw).status_code == 200
        sent += 6
        assert len(live.stats()["requests"]) == sent
        # The dead deployment failed once, was cooled down, and was not tried again for the other requests.
        assert dead_failures() == 1.0
        events = events_of(gw, sent)
        assert {e["upstream"] for e in events} == {live.url}
    finally:
        live.child.stop()


def test_all_deployments_down_is_503_with_reason(gateway_factory, fresh_database: str) -> None:
    gw = gateway_factory(fresh_database, f"http://127.0.0.1:{free_port()}")
    resp = chat(gw)
    assert resp.status_code == 503
    assert "not reachable" in resp.json()["error"]["message"]


def test_upstream_killed_mid_stream_ends_with_error_chunk(gateway_factory, fresh_database: str, log_dir) -> None:
    up = start_upstream(log_dir, "doomed")
    gw = gateway_factory(fresh_database, up.url)
    client = openai.OpenAI(base_url=gw.proxy_url + "/v1", api_key=gw.frontend_key, max_retries=0)
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x [slow]"}], stream=True)
    received = 0
    with pytest.raises(openai.APIError) as info:
        for _ in stream:
            received += 1
            if received == 5:
                up.child.stop()
    assert received >= 5
    assert "mid-stream" in str(info.value) or "before it was complete" in str(info.value)
    event = events_of(gw, 1)[0]
    assert event["status"] == 502 and event["error"] and event["stream"] is True


def test_database_outage_loses_no_event(gateway_factory, fresh_database: str, upstream) -> None:
    relay = TcpRelay("127.0.0.1", 5432)
    try:
        url = fresh_database.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
        gw = gateway_factory(url, upstream.url, KEY_CACHE_TTL_S="3600")
        assert chat(gw).status_code == 200  # warms the key and provider caches
        events_of(gw, 1)
        relay.cut()
        statuses = [chat(gw, f"during outage {i}").status_code for i in range(100)]
        assert statuses == [200] * 100, "the gateway stopped serving while the database was down"
        time.sleep(1.0)
        relay.restore()
        events = events_of(gw, 101, timeout_s=60)
    finally:
        relay.close()
    engine = make_engine(fresh_database)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, count(*) FROM events GROUP BY id")).all()
    engine.dispose()
    assert len(rows) == 101 and all(count == 1 for _, count in rows)
    assert len({e["id"] for e in events}) == 101
