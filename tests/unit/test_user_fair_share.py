"""Fair share across the users of one key (gateway.fairqueue.UserFairQueue) and the scheduler using it in process."""

from __future__ import annotations

import asyncio

import aiohttp

from gateway.fairqueue import UserFairQueue
from gateway.scheduler import Scheduler
from gateway.slots import SlotDirectory
from tests.user_turns import FAIR_ORDER, drain, serve_order


def test_a_user_with_many_streams_does_not_starve_another_user_of_the_key() -> None:
    queue: UserFairQueue[str] = UserFairQueue()
    queue.charge("chat", "m0", user="many")  # already holds the slot
    for i in range(1, 6):
        queue.push("chat", f"m{i}", user="many")
    queue.push("chat", "o0", user="one")
    assert drain(queue)[:2] == ["o0", "m1"]


def test_a_key_keeps_its_share_however_many_users_it_names() -> None:
    queue: UserFairQueue[str] = UserFairQueue()
    for i in range(10):
        for user in ("u1", "u2", "u3"):
            queue.push("chat", f"chat-{user}-{i}", user=user)
        for _ in range(3):
            queue.push("script", f"script-{i}")
    first = drain(queue)[:30]
    assert sum(x.startswith("chat") for x in first) == 15
    chat = [x for x in first if x.startswith("chat")]
    assert {u: sum(f"-{u}-" in x for x in chat) for u in ("u1", "u2", "u3")} == {"u1": 5, "u2": 5, "u3": 5}


def test_leaving_and_restoring_keep_the_counts() -> None:
    queue: UserFairQueue[str] = UserFairQueue()
    gone = queue.push("chat", "a0", user="a")
    queue.push("chat", "b0", user="b")
    queue.push("other", "x0")
    queue.remove(gone)
    queue.remove(gone)  # twice is once
    assert len(queue) == 2 and queue.flows() == {"chat": 1, "other": 1}
    turn = queue.pop()
    assert turn is not None
    queue.restore(turn)  # could not start: it keeps its place
    assert len(queue) == 2
    assert sorted(drain(queue)) == ["b0", "x0"] and len(queue) == 0


async def _in_process() -> list[str]:
    async with aiohttp.ClientSession() as session:
        return await serve_order(Scheduler(SlotDirectory(session, 30), default_wait_s=60))


def test_scheduler_shares_a_vouching_keys_turns_across_its_users() -> None:
    assert asyncio.run(_in_process()) == FAIR_ORDER
