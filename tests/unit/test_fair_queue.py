"""The fair queue's order, the scheduler's admission in process, token reservations, and the dashboard's views of them."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from dictachat.admin.state.keys import EMPTY_FORM, form_from_key, key_fields
from dictachat.admin.state.share import deployment_rows, key_rows
from gateway.config import Provider
from gateway.errors import GatewayError
from gateway.fairqueue import FairQueue
from gateway.models import Key
from gateway.quotas import Quotas, reservation
from gateway.scheduler import Scheduler
from gateway.slots import SlotDirectory, props_url
from gateway.store import LocalStore
from tests.user_turns import drain


def test_a_newcomer_overtakes_a_backlog() -> None:
    queue: FairQueue[str] = FairQueue()
    queue.charge("heavy", "h0")
    queue.charge("heavy", "h1")  # two heavy requests already hold the slots
    for i in range(2, 8):
        queue.push("heavy", f"h{i}")
    queue.push("light", "l0")
    assert drain(queue)[:2] == ["l0", "h2"]


def test_weights_share_in_proportion() -> None:
    queue: FairQueue[str] = FairQueue()
    for i in range(30):
        queue.push("a", f"a{i}", weight=2)
        queue.push("b", f"b{i}", weight=1)
    first = drain(queue)[:30]
    assert sum(x.startswith("a") for x in first) == 20


def test_removed_entries_are_skipped_and_not_charged() -> None:
    queue: FairQueue[str] = FairQueue()
    gone = queue.push("a", "a0")
    queue.remove(gone)
    queue.push("a", "a1")
    queue.push("b", "b0")
    assert len(queue) == 2 and queue.flows() == {"a": 1, "b": 1}
    assert drain(queue) == ["a1", "b0"]


def test_reservation_is_prompt_estimate_plus_capped_max_tokens() -> None:
    assert reservation(300, {"max_tokens": 50}, 4096) == 150
    assert reservation(300, {"max_completion_tokens": 10**6}, 4096) == 100 + 4096
    assert reservation(301, {}, 512) == 101 + 512


def test_props_url_drops_v1() -> None:
    assert props_url("http://h:5002/v1/") == "http://h:5002/props"
    assert props_url("http://h:5002") == "http://h:5002/props"


def key(key_id: str, **fields: object) -> Key:
    return Key(key_id=key_id, key_hash=key_id, **fields)


async def _scheduler_run() -> None:
    async with aiohttp.ClientSession() as session:
        provider = Provider(name="p", urls=("http://a", "http://b"), max_parallel=1)
        scheduler = Scheduler(SlotDirectory(session, 30), default_wait_s=60)
        alone = key("alone")
        first = await scheduler.acquire(provider, alone)
        second = await scheduler.acquire(provider, alone)
        assert first and second and {first.url, second.url} == {"http://a", "http://b"}  # a lone key gets both
        waiting = asyncio.ensure_future(scheduler.acquire(provider, key("light")))
        leaving = asyncio.ensure_future(scheduler.acquire(provider, alone))
        await asyncio.sleep(0)
        assert (await scheduler.snapshot())["providers"][0]["queueDepth"] == 2
        leaving.cancel()  # a client that leaves is out of the queue at once
        await asyncio.sleep(0)
        assert (await scheduler.snapshot())["providers"][0]["queueDepth"] == 1
        scheduler.release(first)
        granted = await waiting
        assert granted is not None and granted.url == first.url and granted.waited_ms > 0
        impatient = key("impatient", max_queue_wait_s=0.05)
        with pytest.raises(GatewayError) as refused:
            await scheduler.acquire(provider, impatient)
        assert refused.value.status == 503 and int(refused.value.headers["retry-after"]) >= 1
        assert (await scheduler.snapshot())["providers"][0]["queueDepth"] == 0


def test_scheduler_admits_by_slots_and_queues_fairly() -> None:
    asyncio.run(_scheduler_run())


async def _quota_run() -> None:
    quotas = Quotas(LocalStore(), reserve_cap=100)
    capped = key("k", max_concurrent_requests=1, token_limit_over_time=250, token_limit_unit="h")
    hold = await quotas.take(capped, 30, {"max_tokens": 100}, "t1")  # reserves 10 + 100
    assert hold.headers["x-ratelimit-remaining-tokens"] == "140"
    with pytest.raises(GatewayError) as busy:
        await quotas.take(capped, 30, {"max_tokens": 100}, "t2")
    assert busy.value.status == 429 and busy.value.code == "concurrency_limit_exceeded"
    await quotas.give_back(hold, 40)  # the upstream reported 40: 70 of the reservation come back
    assert await quotas.tokens_used(capped) == 40
    second = await quotas.take(capped, 30, {"max_tokens": 100}, "t3")
    await quotas.give_back(second, 150)  # used more than reserved: the counter follows the usage
    with pytest.raises(GatewayError) as spent:
        await quotas.take(capped, 30, {"max_tokens": 100}, "t4")
    assert spent.value.code == "token_limit_exceeded" and spent.value.headers["x-ratelimit-remaining-tokens"] == "60"
    assert await quotas.in_flight(capped) == 0  # the refused request gave its concurrency place back


def test_quotas_reserve_reconcile_and_cap_concurrency() -> None:
    asyncio.run(_quota_run())


def test_key_form_carries_the_gpu_share_fields() -> None:
    form = {**EMPTY_FORM, "name": "team", "concurrent": "4", "tokens": "50000", "token_unit": "d",
            "queue_wait": "30", "priority": "3"}
    body = key_fields(form)
    assert (body["maxConcurrentRequests"], body["tokenLimitOverTime"], body["tokenLimitUnit"],
            body["maxQueueWaitInSeconds"], body["priority"]) == (4, 50000, "d", 30, 3)
    assert form_from_key(body)["concurrent"] == "4" and form_from_key(body)["token_unit"] == "d"
    blank = key_fields({**EMPTY_FORM, "name": "free", "priority": ""})
    assert (blank["maxConcurrentRequests"], blank["tokenLimitUnit"], blank["priority"]) == (0, "", 1)
    with pytest.raises(ValueError, match="requests at once"):
        key_fields({**form, "concurrent": "-1"})


def test_share_rows_for_the_system_page() -> None:
    view = {"providers": [{"provider": "llama", "queueDepth": 3, "queueWaitMsP50": 120.0, "queueWaitMsP95": 900.0,
                           "deployments": [{"url": "http://a", "slots": 2, "inFlight": 2}]}],
            "keys": [{"keyId": "k", "name": "heavy", "inFlight": 2, "queued": 3, "concurrent": None,
                      "maxConcurrentRequests": 0, "tokensThisWindow": 1200, "tokenLimitOverTime": 5000,
                      "tokenLimitUnit": "h", "priority": 2,
                      "users": [{"userId": "u1", "name": "dana", "inFlight": 2, "queued": 1},
                                {"userId": "u2", "name": "u2", "inFlight": 0, "queued": 2}]}]}
    [dep] = deployment_rows(view)
    assert (dep.slots, dep.in_flight, dep.busy_pct, dep.queued, dep.wait) == ("2", 2, 100, 3, "120 ms / 900 ms")
    row, *users = key_rows(view)
    assert (row.name, row.queued, row.concurrent, row.tokens, row.priority) == ("heavy", 3, "—", "1,200 / 5,000 per h", 2)
    assert [(u.name, u.in_flight, u.queued, u.user) for u in users] == [("dana", 2, 1, True), ("u2", 0, 2, True)]
