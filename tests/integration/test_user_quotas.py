"""A user's own token and concurrency limits through a vouching key, in-process: they refuse that user in
a sentence naming the user's limit, not another user of the same key, and not an outside key naming the user."""

from __future__ import annotations

import asyncio

import httpx

from tests.integration import test_user_limits as user_limits
from tests.integration.test_proxy_core import Core, chat
from tests.integration.test_user_limits import make_user

core, outside_key = user_limits.core, user_limits.outside_key  # fixtures: the proxy core, a key of an outside client


async def _until_upstream_has(core: Core, n: int) -> None:
    """Wait until the stand-in upstream has received `n` requests (they hold there until released)."""
    for _ in range(1000):
        if len(core.upstream.stats.requests) >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the upstream never saw {n} requests")


async def _release(core: Core) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(core.upstream_url + "/_release")


async def test_a_users_concurrency_limit_refuses_only_that_user(core: Core) -> None:
    one_at_a_time = make_user(core, "solo", max_concurrent_requests=1)
    other = make_user(core, "other")
    holding = asyncio.ensure_future(core.post(chat("[hold] first", user=one_at_a_time.id)))
    await _until_upstream_has(core, 1)
    refused = await core.post(chat("second", user=one_at_a_time.id))
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "user_concurrency_limit_exceeded"
    assert error["message"].startswith("Concurrency limit reached: user 'solo' may have 1 requests in flight")
    assert (await core.post(chat("meanwhile", user=other.id))).status_code == 200  # same key, another user
    await _release(core)
    assert (await holding).status_code == 200
    assert (await core.post(chat("after", user=one_at_a_time.id))).status_code == 200  # the place came back


async def test_a_users_token_limit_refuses_only_that_user(core: Core) -> None:
    frugal = make_user(core, "frugal", token_limit_over_time=120, token_limit_unit="h")
    other = make_user(core, "other")
    holding = asyncio.ensure_future(core.post(chat("[hold] first", user=frugal.id, max_tokens=50)))
    await _until_upstream_has(core, 1)
    refused = await core.post(chat("second", user=frugal.id, max_tokens=50))  # its reservation does not fit
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "user_token_limit_exceeded"
    assert "Token limit reached: user 'frugal' allows 120 tokens per hour" in error["message"]
    assert int(refused.headers["retry-after"]) > 0
    assert (await core.post(chat("meanwhile", user=other.id, max_tokens=50))).status_code == 200
    await _release(core)
    assert (await holding).status_code == 200
    events = await core.events()
    assert sorted((e.user_id, e.status) for e in events) == sorted([(frugal.id, 200), (frugal.id, 429), (other.id, 200)])


async def test_an_outside_key_naming_a_user_is_not_held_to_that_users_quotas(core: Core, outside_key: str) -> None:
    tight = make_user(core, "tight", max_concurrent_requests=1, token_limit_over_time=10, token_limit_unit="h")
    refused = await core.post(chat(user=tight.id, max_tokens=50))  # the limits are live for the vouching key
    assert refused.status_code == 429 and "user 'tight'" in refused.json()["error"]["message"]
    holding = asyncio.ensure_future(core.post(chat("[hold] outside", user=tight.id, max_tokens=50), key=outside_key))
    await _until_upstream_has(core, 1)
    assert (await core.post(chat("again", user=tight.id, max_tokens=50), key=outside_key)).status_code == 200
    await _release(core)
    assert (await holding).status_code == 200
