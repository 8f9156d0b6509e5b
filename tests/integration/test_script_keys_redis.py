"""Every Lua script touches only keys it was given in KEYS, and those share one slot (as Redis Cluster
requires): the scripts run over real Redis under MONITOR, and each command they ran is checked."""

from __future__ import annotations

import asyncio
import codecs
import re
import uuid
from typing import Any

import aiohttp
import redis.asyncio as redis
from redis.crc import key_slot
from redis.exceptions import ResponseError

from gateway.limits import Limiter
from gateway.models import Key
from gateway.quotas import Quotas
from gateway.scheduler import Scheduler
from gateway.shared_slots import SharedSlots
from gateway.slots import SlotDirectory
from gateway.store import RedisStore
from tests.support import REDIS_URL
from tests.user_turns import FAIR_ORDER, serve_order

ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"')


def _declaring(store: RedisStore, calls: list[list[bytes]]) -> None:
    """Record the KEYS of every script `store` runs (redis-py runs registered scripts by EVALSHA)."""
    client: Any = store._redis  # the test spies on the client the scripts are registered with
    evalsha = client.evalsha

    async def spy(sha: str, numkeys: int, *args: Any) -> Any:
        calls.append([k.encode() if isinstance(k, str) else k for k in args[:numkeys]])
        return await evalsha(sha, numkeys, *args)

    client.evalsha = spy


async def _watch(lines: list[bytes], ready: asyncio.Event, done: bytes) -> None:
    """Collect the commands Lua scripts ran (MONITOR marks them "lua") until the ECHO of `done`."""
    monitor = redis.from_url(REDIS_URL).monitor()
    async with monitor:
        assert monitor.connection is not None
        ready.set()
        while True:
            line = await monitor.connection.read_response(disable_decoding=True)
            if b'"ECHO"' in line and done in line:
                return
            if b" lua] " in line:
                lines.append(line)


async def _touched(lines: list[bytes], prefix: bytes) -> set[bytes]:
    """The keys (of this test's prefix) the monitored commands named, as Redis itself finds them."""
    client = redis.from_url(REDIS_URL)
    keys: set[bytes] = set()
    try:
        for line in lines:
            args = [codecs.escape_decode(a)[0] for a in ARG.findall(line.split(b"] ", 1)[1])]
            try:
                found = await client.command_getkeys(*args)
            except ResponseError:  # PUBLISH and the like name no key
                continue
            named = (k.encode() if isinstance(k, str) else k for k in found)
            keys |= {k for k in named if k.startswith(prefix)}
    finally:
        await client.aclose()
    return keys


async def _run_every_script(store: RedisStore) -> None:
    """The fair queue (enqueue, turns across a key's users, release, view, a timed-out cancel), rate and
    spend limits, concurrency leases and token reservations."""
    shared = SharedSlots(store)
    await shared.start()
    async with aiohttp.ClientSession() as session:
        assert await serve_order(Scheduler(SlotDirectory(session, 30), default_wait_s=60, shared=shared)) == FAIR_ORDER
    got = await shared.acquire("p", ["http://a"], [1], "k", 1, 5, "u")
    assert got is not None
    assert await shared.acquire("p", ["http://a"], [1], "k", 1, 0.05, "v") is None  # waits, then withdraws
    await shared.release("p", ["http://a"], [1], got[1])
    key = Key(key_id="limited", key_hash="h", rate_limit_over_time=5, rate_limit_unit="m", cost_limit_in_usd=1.0,
              cost_limit_in_usd_over_time=1.0, cost_limit_in_usd_unit="d", max_concurrent_requests=2,
              token_limit_over_time=10_000, token_limit_unit="h")
    limiter = Limiter(store, lambda _k, _s: 0.0, lambda _k, _s: 0.0)
    await limiter.admit(key)
    await limiter.add(key, 0.01)
    quotas = Quotas(store, 1000)
    hold = await quotas.take(key, 300, {"max_tokens": 100}, "t1")
    await quotas.give_back(hold, 50)


async def _scene(prefix: str) -> tuple[list[list[bytes]], set[bytes]]:
    store = RedisStore(REDIS_URL, prefix)
    calls: list[list[bytes]] = []
    _declaring(store, calls)
    lines: list[bytes] = []
    ready, done = asyncio.Event(), f"{prefix}done".encode()
    watcher = asyncio.ensure_future(_watch(lines, ready, done))
    await ready.wait()
    try:
        await _run_every_script(store)
        await store._redis.echo(done)  # the marker the watcher stops at
        await asyncio.wait_for(watcher, 10)
    finally:
        watcher.cancel()
        await store.close()
    return calls, await _touched(lines, prefix.encode())


async def test_scripts_touch_only_the_keys_they_are_given_in_one_slot() -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    calls, touched = await _scene(prefix)
    declared = {k for keys in calls for k in keys}
    assert any(b":fair:" in k for k in touched) and any(b":rl:" in k for k in touched)  # the scene ran
    assert touched <= declared, f"keys a script touched but was not given: {sorted(touched - declared)}"
    for keys in calls:
        assert len({key_slot(k) for k in keys}) == 1, f"one script's keys in several slots: {keys}"
