"""The fair-share scene of the users of one key, for the scheduler in process and over Redis alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from gateway.config import Provider
from gateway.fairqueue import FairQueue, UserFairQueue
from gateway.models import Key
from gateway.scheduler import Grant, Scheduler

# The other key goes first (the chat key holds the slot), then the chat key's quiet user, then the backlog.
FAIR_ORDER = ["script", "one", "many", "many", "many", "many"]


async def _until(check: Callable[[], bool]) -> None:
    """Yield to the loop until `check` holds (Redis round trips take a few); fail after ~10 s."""
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the scheduler did not get there")


async def serve_order(scheduler: Scheduler) -> list[str]:
    """One slot; user "many" of the vouching chat key holds it and queues four more, then user "one" of the
    same key and another key queue one each: who gets the slot, release after release."""
    provider = Provider(name="p", urls=("http://a",), max_parallel=1)
    chat, script = Key(key_id="chat", key_hash="c", vouches_for_users=True), Key(key_id="script", key_hash="s")
    grant = await scheduler.acquire(provider, chat, user_id="many")
    waiting: list[tuple[str, asyncio.Future[Grant | None]]] = []
    for name, key, user in [*(("many", chat, "many") for _ in range(4)), ("one", chat, "one"), ("script", script, "")]:
        waiting.append((name, asyncio.ensure_future(scheduler.acquire(provider, key, user_id=user))))
        queued = len(waiting)
        depth = 0

        async def count() -> None:
            nonlocal depth
            depth = (await scheduler.snapshot())["providers"][0]["queueDepth"]

        for _ in range(1000):  # each waiter is in the queue before the next arrives
            await count()
            if depth == queued:
                break
            await asyncio.sleep(0.01)
        assert depth == queued
    # The System page's view: the chat key's users each with their own counts; a key naming no users has none.
    keys = {k["keyId"]: k for k in (await scheduler.snapshot())["keys"]}
    assert keys["chat"]["users"] == [{"userId": "many", "inFlight": 1, "queued": 4},
                                     {"userId": "one", "inFlight": 0, "queued": 1}]
    assert (keys["script"]["queued"], "users" in keys["script"]) == (1, False)
    order = []
    while waiting:
        assert grant is not None
        scheduler.release(grant)
        await _until(lambda: any(fut.done() for _, fut in waiting))
        done = [(name, fut) for name, fut in waiting if fut.done()]
        assert len(done) == 1  # one slot: one waiter at a time
        waiting.remove(done[0])
        order.append(done[0][0])
        grant = done[0][1].result()
    assert grant is not None
    scheduler.release(grant)
    return order


def drain(queue: FairQueue[str] | UserFairQueue[str]) -> list[str]:
    """Pop and start every queued turn (no slot limit): the items in the order the queue serves them."""
    out = []
    while (turn := queue.pop()) is not None:
        queue.started(turn)
        out.append(turn.item)
    return out
