"""Limits hold exactly under concurrency across gateway processes sharing Redis, and budgets stop spend."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter

import httpx

from tests.support import Upstream


async def _burst(urls: list[str], key: str, total: int) -> Counter:
    limits = httpx.Limits(max_connections=total)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def one(i: int) -> int:
            resp = await client.post(urls[i % len(urls)] + "/v1/chat/completions",
                                     headers={"Authorization": f"Bearer {key}"},
                                     json={"messages": [{"role": "user", "content": f"n{i}"}]})
            return resp.status_code
        return Counter(await asyncio.gather(*(one(i) for i in range(total))))


def test_rate_limit_is_exact_across_two_gateways(gateway_factory, fresh_database: str, upstream: Upstream) -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    first = gateway_factory(fresh_database, upstream.url, redis_prefix=prefix)
    second = gateway_factory(fresh_database, upstream.url, redis_prefix=prefix)
    key = first.create_key(name="burst", rateLimitOverTime=20, rateLimitUnit="m")["key"]
    # Both windows must be the same minute: start the burst well inside one.
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)
    counts = asyncio.run(_burst([first.proxy_url, second.proxy_url], key, 200))
    assert counts == Counter({200: 20, 429: 180})


def test_cost_limit_refuses_once_spend_reaches_it(gateway_factory, fresh_database: str, upstream: Upstream) -> None:
    gw = gateway_factory(fresh_database, upstream.url)
    with gw.admin() as admin:
        settings = admin.get("/api/provider-settings").json()
        setting = next(s for s in settings if s["provider"] == "llama-cpp-root")
        resp = admin.patch(f"/api/provider-settings/{setting['id']}", json={"costMap": {
            "promptCostPerModel": {"*": 1.0}, "completionCostPerModel": {"*": 2.0}}})
        assert resp.status_code == 200, resp.text
    created = gw.create_key(name="budget", costLimitInUsd=0.1)
    headers = {"Authorization": f"Bearer {created['key']}"}
    statuses = []
    for _ in range(5):
        resp = httpx.post(gw.proxy_url + "/v1/chat/completions", headers=headers, timeout=30,
                          json={"messages": [{"role": "user", "content": "hi"}]})
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            assert "Cost limit reached" in resp.json()["error"]["message"]
    # One request costs 5 prompt * $0.001 + 21 completion * $0.002 = $0.047: two fit under $0.10, the third
    # brings spend to $0.141, after which the key is refused before the upstream is called.
    assert statuses == [200, 200, 200, 429, 429]
    deadline = time.monotonic() + 10
    with gw.admin() as admin:
        while time.monotonic() < deadline:
            events = admin.get("/api/events", params={"keyIds": created["keyId"]}).json()
            events = events.get("events", events) if isinstance(events, dict) else events
            if len(events) == 5:
                break
            time.sleep(0.2)
        report = admin.get(f"/api/reporting/keys/{created['keyId']}").json()
    costs = [e["cost_in_usd"] for e in events if e["status"] == 200]
    assert len(costs) == 3 and all(abs(c - 0.047) < 1e-9 for c in costs)
    assert abs(report["costInUsd"] - sum(e["cost_in_usd"] for e in events)) < 1e-9
