"""The Redis store's atomic scripts behave like the in-process store."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from gateway.store import LocalStore, RedisStore
from tests.support import REDIS_URL


@pytest.fixture(params=["redis", "local"])
async def store(request):  # type: ignore[no-untyped-def]
    s = RedisStore(REDIS_URL, f"test:{uuid.uuid4().hex[:8]}:") if request.param == "redis" else LocalStore()
    yield s
    await s.close()


async def test_count_and_read_is_atomic_and_reads_missing_as_none(store) -> None:  # type: ignore[no-untyped-def]
    await store.set("a", b"1.5")
    results = await asyncio.gather(*(store.count_and_read("w", 60, ["a", "missing"]) for _ in range(100)))
    assert sorted(count for count, _ in results) == list(range(1, 101))
    assert all(values == [b"1.5", None] for _, values in results)
    assert await store.count_and_read(None, 60, ["a"]) == (0, [b"1.5"])


async def test_window_counter_expires(store) -> None:  # type: ignore[no-untyped-def]
    assert (await store.count_and_read("w", 0.2, []))[0] == 1
    await asyncio.sleep(1.2)
    assert (await store.count_and_read("w", 0.2, []))[0] == 1


async def test_incr_existing_only_touches_existing_keys(store) -> None:  # type: ignore[no-untyped-def]
    await store.set("a", b"1")
    assert await store.incr_existing(["a", "b"], 0.25) == [True, False]
    assert float(await store.get("a")) == 1.25 and await store.get("b") is None
