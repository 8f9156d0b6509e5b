"""Fair share across the users of one key in the queue every gateway process shares (Redis)."""

from __future__ import annotations

import uuid

import aiohttp

from gateway.scheduler import Scheduler
from gateway.shared_slots import SharedSlots
from gateway.slots import SlotDirectory
from gateway.store import RedisStore
from tests.support import REDIS_URL
from tests.user_turns import FAIR_ORDER, serve_order


async def test_the_shared_queue_shares_a_vouching_keys_turns_across_its_users() -> None:
    store = RedisStore(REDIS_URL, f"test:{uuid.uuid4().hex[:8]}:")
    shared = SharedSlots(store)
    await shared.start()
    try:
        async with aiohttp.ClientSession() as session:
            assert await serve_order(Scheduler(SlotDirectory(session, 30), default_wait_s=60, shared=shared)) == FAIR_ORDER
    finally:
        await store.close()
