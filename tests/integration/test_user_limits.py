"""Users through the gateway, in-process: a vouching key's `user` brings that user's own limits and
lands in the event; any other key's `user` changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from gateway.accounts.users import create_user
from gateway.keys import hash_key, key_hint
from gateway.models import Key, User
from tests.integration import test_proxy_core as proxy_core
from tests.integration.test_proxy_core import Core, chat

OUTSIDE_KEY = "sk-outside-client-key"


core = proxy_core.core  # the proxy core fixture: the frontend key (which vouches for users) is KEY


@pytest.fixture
def outside_key(core: Core) -> str:
    """A key of an outside client: it does not vouch for users."""
    with Session(core.engine) as db:
        db.add(Key(name="outside", key_hash=hash_key(OUTSIDE_KEY), key_hint=key_hint(OUTSIDE_KEY)))
        db.commit()
    return OUTSIDE_KEY


def make_user(core: Core, name: str, **limits: object) -> User:
    with Session(core.engine, expire_on_commit=False) as db:
        user = create_user(db, name, "long enough pw")
        for field, value in limits.items():
            setattr(user, field, value)
        db.add(user)
        db.commit()
        return user


async def test_a_users_rate_limit_refuses_only_that_user(core: Core) -> None:
    tiny = make_user(core, "tiny", rate_limit_over_time=1, rate_limit_unit="m")
    other = make_user(core, "other")
    assert (await core.post(chat(user=tiny.id))).status_code == 200
    refused = await core.post(chat(user=tiny.id))
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "user_rate_limit_exceeded" and "user 'tiny'" in error["message"]
    assert int(refused.headers["retry-after"]) > 0
    assert (await core.post(chat(user=other.id))).status_code == 200  # everyone else carries on
    assert (await core.post(chat())).status_code == 200
    events = await core.events()
    assert sorted((e.user_id, e.status) for e in events) == sorted(
        [(tiny.id, 200), (tiny.id, 429), (other.id, 200), ("", 200)])


async def test_a_users_cost_limit_counts_that_users_spend(core: Core) -> None:
    spender = make_user(core, "spender", cost_limit_in_usd=0.000001)
    assert (await core.post(chat(user=spender.id))).status_code == 200
    await core.events()  # written: the next check sees the spend
    refused = await core.post(chat(user=spender.id))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "user_cost_limit_exceeded"


async def test_a_key_not_vouching_for_users_cannot_use_a_users_limits(core: Core, outside_key: str) -> None:
    """An outside client naming a user neither spends that user's budget nor escapes the key's limits."""
    tiny = make_user(core, "victim", rate_limit_over_time=1, rate_limit_unit="m")
    for _ in range(3):
        assert (await core.post(chat(user=tiny.id), key=outside_key)).status_code == 200
    assert all(e.user_id == "" for e in await core.events())  # not recorded as that user either
    assert (await core.post(chat(user=tiny.id))).status_code == 200  # the user's own allowance is untouched


async def test_a_disabled_or_malformed_user_is_refused_with_a_sentence(core: Core) -> None:
    gone = make_user(core, "gone", disabled=True)
    refused = await core.post(chat(user=gone.id))
    assert refused.status_code == 403 and "disabled" in refused.json()["error"]["message"]
    bad = await core.post(chat(user=["not", "a", "string"]))
    assert bad.status_code == 400 and "'user'" in bad.json()["error"]["message"]
    assert (await core.post(chat(user="x" * 200))).status_code == 400
