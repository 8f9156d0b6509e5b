"""Fair share of a slot-limited model through real gateways: fair order across keys, every slot used by a
lone key, queue timeouts, clients leaving the queue, and per-key concurrency and token limits that hold
exactly across two gateway processes sharing Redis."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.quotas import reservation
from tests.support import Gateway, Upstream, start_upstream

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def slotted(log_dir: Path) -> Iterator[Upstream]:
    """A llama-server stand-in with 2 slots (first come, first served) and /props."""
    up = start_upstream(log_dir, "slotted", slots=2)
    yield up
    up.child.stop()


@pytest.fixture
def holding(log_dir: Path) -> Iterator[Upstream]:
    """A scripted upstream without slots whose `[hold]` requests wait until released."""
    up = start_upstream(log_dir, "holding")
    yield up
    up.child.stop()


def share(gw: Gateway) -> dict[str, Any]:
    with gw.admin() as admin:
        resp = admin.get("/api/system/scheduler")
    resp.raise_for_status()
    return resp.json()


def lane(gw: Gateway) -> dict[str, Any]:
    """The default provider's slots and queue (zeros until its first request)."""
    empty = {"queueDepth": 0, "deployments": [{"inFlight": 0}]}
    return next((p for p in share(gw)["providers"] if p["provider"] == "llama-cpp-root"), empty)


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def ask(gw: Gateway, key: str, text: str, stream: bool = True, **extra: Any) -> httpx.Response:
    body = {"stream": stream, "messages": [{"role": "user", "content": text}], **extra}
    with httpx.Client(timeout=120) as client:
        resp = client.post(gw.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, json=body)
        resp.read()
        return resp


def in_background(fn: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[httpx.Response]]:
    out: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def test_light_key_is_served_before_the_heavy_keys_backlog(gateway_factory, fresh_database: str, slotted: Upstream) -> None:
    gw = gateway_factory(fresh_database, slotted.url)
    heavy, light = gw.create_key(name="heavy")["key"], gw.create_key(name="light")
    heavy_calls = [in_background(lambda i=i: ask(gw, heavy, f"[hold] heavy{i}")) for i in range(8)]
    wait_until(lambda: lane(gw)["queueDepth"] == 6, "the heavy key fills both slots and queues 6 more")
    assert lane(gw)["deployments"][0] == {"url": slotted.url, "slots": 2, "inFlight": 2}  # slots read from /props
    light_call, answer = in_background(lambda: ask(gw, light["key"], "light"))
    wait_until(lambda: lane(gw)["queueDepth"] == 7, "the light request waits too")
    slotted.release()
    for thread, _ in [*heavy_calls, (light_call, answer)]:
        thread.join(60)
    assert answer[0].status_code == 200 and "data: [DONE]" in answer[0].text
    assert all(out[0].status_code == 200 for _, out in heavy_calls)
    served = slotted.stats()["served"]
    # Two heavy requests held the slots. When they end, the light key gets one of the two freed slots; the
    # heavy key's other six wait behind it (which freed slot reaches the upstream first is a race).
    assert served.index("light") in (2, 3), served
    assert slotted.stats()["peak_active"] == 2
    with gw.admin() as admin:
        def events() -> list[dict[str, Any]]:
            return list(admin.get("/api/events", params={"keyIds": light["keyId"]}).json())
        wait_until(lambda: len(events()) == 1, "the light request's event")
        assert events()[0]["queue_wait_ms"] > 0


def test_a_lone_key_uses_every_slot_and_no_more(gateway_factory, fresh_database: str, slotted: Upstream) -> None:
    gw = gateway_factory(fresh_database, slotted.url)
    key = gw.create_key(name="alone")["key"]
    calls = [in_background(lambda i=i: ask(gw, key, f"[hold] alone{i}")) for i in range(5)]
    wait_until(lambda: lane(gw)["queueDepth"] == 3, "two requests in flight, three waiting")
    wait_until(lambda: slotted.stats()["active"] == 2, "both slots of the upstream busy")
    wait_until(lambda: [(k["name"], k["inFlight"], k["queued"]) for k in share(gw)["keys"]] == [("alone", 2, 3)],
               "the key's two in flight and three queued shown", 5)
    assert lane(gw)["deployments"][0]["inFlight"] == 2
    slotted.release()
    for thread, _ in calls:
        thread.join(60)
    assert [out[0].status_code for _, out in calls] == [200] * 5
    assert slotted.stats()["peak_active"] == 2
    assert len(slotted.stats()["requests"]) == 5  # the gateway held the rest: the upstream never queued any


def test_queue_timeout_answers_503_with_retry_after(gateway_factory, fresh_database: str, slotted: Upstream) -> None:
    gw = gateway_factory(fresh_database, slotted.url)
    busy = gw.create_key(name="busy")["key"]
    patient = gw.create_key(name="impatient", maxQueueWaitInSeconds=1)
    assert patient["maxQueueWaitInSeconds"] == 1
    calls = [in_background(lambda i=i: ask(gw, busy, f"[hold] busy{i}")) for i in range(2)]
    wait_until(lambda: lane(gw)["deployments"][0]["inFlight"] == 2, "both slots taken")
    resp = ask(gw, patient["key"], "too late", stream=False)
    assert resp.status_code == 503
    assert int(resp.headers["retry-after"]) >= 1
    assert resp.json()["error"]["code"] == "queue_timeout"
    # The admin's view is what the proxy published last (every 0.5 s): the timed-out request leaves it.
    wait_until(lambda: lane(gw)["queueDepth"] == 0, "the timed-out request is out of the queue", 5)
    slotted.release()
    for thread, _ in calls:
        thread.join(60)
    assert "too late" not in slotted.stats()["served"]
    assert all("too late" not in json.dumps(r["body"]) for r in slotted.stats()["requests"])


def test_a_client_that_leaves_while_queued_leaves_the_queue(gateway_factory, fresh_database: str, slotted: Upstream) -> None:
    gw = gateway_factory(fresh_database, slotted.url)
    key = gw.create_key(name="leaver")
    calls = [in_background(lambda i=i: ask(gw, key["key"], f"[hold] first{i}")) for i in range(2)]
    wait_until(lambda: lane(gw)["deployments"][0]["inFlight"] == 2, "both slots taken")
    for stream in (True, False):
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(gw.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key['key']}"},
                       json={"stream": stream, "messages": [{"role": "user", "content": f"gone-{stream}"}]},
                       timeout=httpx.Timeout(30, read=1.0))
        # The slots are still busy: only the disconnect can have emptied the queue.
        wait_until(lambda: lane(gw)["queueDepth"] == 0, "the queue is empty again", timeout_s=5)
    assert lane(gw)["deployments"][0]["inFlight"] == 2
    slotted.release()
    for thread, _ in calls:
        thread.join(60)
    assert all("gone" not in json.dumps(r["body"]) for r in slotted.stats()["requests"])
    with gw.admin() as admin:
        def statuses() -> list[int]:
            return sorted(e["status"] for e in admin.get("/api/events", params={"keyIds": key["keyId"]}).json())
        wait_until(lambda: len(statuses()) == 4, "four events")
        assert statuses() == [200, 200, 499, 499]


async def _burst(gateways: list[Gateway], key: str, bodies: list[bytes], upstream: Upstream,
                 admitted: int) -> tuple[Counter[int], list[httpx.Response]]:
    """Send every body at once (alternating gateways); the admitted ones wait at the upstream until all
    refusals are in, so no finished request can make room for another."""
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=len(bodies))) as client:
        async def one(i: int) -> httpx.Response:
            return await client.post(gateways[i % len(gateways)].proxy_url + "/v1/chat/completions", content=bodies[i],
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        tasks = [asyncio.create_task(one(i)) for i in range(len(bodies))]
        deadline = time.monotonic() + 60
        while sum(t.done() for t in tasks) < len(bodies) - admitted and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # one more admission than allowed would show up as a missing refusal here
        refused_early = sum(t.done() for t in tasks)
        held = (await client.get(upstream.url + "/_stats")).json()["active"]
        await client.post(upstream.url + "/_release")
        responses = await asyncio.gather(*tasks)
    assert (refused_early, held) == (len(bodies) - admitted, admitted)
    return Counter(r.status_code for r in responses), responses


def test_max_concurrent_requests_is_exact_across_two_gateways(gateway_factory, fresh_database: str,
                                                               holding: Upstream) -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    gateways = [gateway_factory(fresh_database, holding.url, redis_prefix=prefix) for _ in range(2)]
    key = gateways[0].create_key(name="capped", maxConcurrentRequests=7)
    assert key["maxConcurrentRequests"] == 7
    bodies = [json.dumps({"messages": [{"role": "user", "content": f"[hold] c{i}"}]}).encode() for i in range(100)]
    counts, responses = asyncio.run(_burst(gateways, key["key"], bodies, holding, admitted=7))
    assert counts == Counter({200: 7, 429: 93})
    refusal = next(r for r in responses if r.status_code == 429)
    assert refusal.json()["error"]["code"] == "concurrency_limit_exceeded"
    assert refusal.headers["retry-after"] == "1" and refusal.headers["x-ratelimit-limit-concurrent"] == "7"
    assert holding.stats()["peak_active"] == 7
    # Places are given back: the next seven are admitted again.
    holding.reset()
    holding.release()
    again = asyncio.run(_burst(gateways, key["key"], bodies[:7], holding, admitted=0))[0]
    assert again == Counter({200: 7})


def test_token_limit_reserves_then_reconciles_exactly(gateway_factory, fresh_database: str, holding: Upstream) -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    gateways = [gateway_factory(fresh_database, holding.url, redis_prefix=prefix) for _ in range(2)]
    bodies = [json.dumps({"max_tokens": 300, "messages": [{"role": "user", "content": f"[hold] t{i:03d}"}]}).encode()
              for i in range(200)]
    worst = reservation(len(bodies[0]), {"max_tokens": 300}, 4096)
    limit = 10 * worst + worst // 2
    key = gateways[0].create_key(name="tokens", tokenLimitOverTime=limit, tokenLimitUnit="h")
    if time.time() % 3600 > 3300:  # both bursts must fall in the same hour window
        time.sleep(3601 - time.time() % 3600)
    counts, responses = asyncio.run(_burst(gateways, key["key"], bodies, holding, admitted=10))
    assert counts == Counter({200: 10, 429: 190})
    refusal = next(r for r in responses if r.status_code == 429)
    assert refusal.json()["error"]["code"] == "token_limit_exceeded"
    assert refusal.headers["x-ratelimit-limit-tokens"] == str(limit)
    assert int(refusal.headers["x-ratelimit-remaining-tokens"]) < worst and int(refusal.headers["retry-after"]) >= 1
    used = sum(r.json()["usage"]["total_tokens"] for r in responses if r.status_code == 200)
    assert used < 10 * worst

    def window() -> int | None:
        return next(k for k in share(gateways[1])["keys"] if k["keyId"] == key["keyId"])["tokensThisWindow"]
    wait_until(lambda: window() == used, "reservations replaced by the reported usage")
    # What the reservations held back is free again: exactly as many more fit as the real usage leaves room for.
    holding.reset()
    room = (limit - used) // worst
    assert room > 0
    counts, _ = asyncio.run(_burst(gateways, key["key"], bodies, holding, admitted=room))
    assert counts == Counter({200: room, 429: 200 - room})


def test_two_gateways_share_one_slot_budget_and_one_fair_queue(gateway_factory, fresh_database: str,
                                                               slotted: Upstream) -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    first, second = (gateway_factory(fresh_database, slotted.url, redis_prefix=prefix) for _ in range(2))
    heavy, light = first.create_key(name="heavy")["key"], first.create_key(name="light")["key"]
    # The heavy key spreads 8 requests over both gateways; each alone would let 2 through. (Not streamed: the
    # stand-in frees its slot before it answers, so it never counts a successor that arrives in the same instant.)
    calls = [in_background(lambda i=i: ask((first, second)[i % 2], heavy, f"[hold] heavy{i}", stream=False))
             for i in range(8)]
    # Each gateway's view is what its proxy last published (every 0.5 s): wait for both, not one then the other.
    wait_until(lambda: lane(second)["queueDepth"] == 6 and all(lane(gw)["deployments"][0]["inFlight"] == 2
                                                              for gw in (first, second)),
               "two heavy requests hold the slots, six wait (both gateways)")
    answer: list[httpx.Response] = []
    light_call = threading.Thread(target=lambda: answer.append(ask(second, light, "light", stream=False)), daemon=True)
    light_call.start()
    wait_until(lambda: lane(first)["queueDepth"] == 7, "the light request waits in the shared queue")
    slotted.release()
    light_call.join(60)
    for thread, _ in calls:
        thread.join(60)
    assert answer[0].status_code == 200 and all(out[0].status_code == 200 for _, out in calls)
    stats = slotted.stats()
    assert stats["peak_active"] == 2 and stats["peak_waiting"] == 0, stats["served"]  # never more than the slots upstream
    assert stats["served"].index("light") in (2, 3), stats["served"]  # first in line across both gateways
