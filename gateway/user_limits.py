"""Users through the gateway: a key that vouches for users (the chat's) names one in the OpenAI
`user` field; that user's own rate, cost, token and concurrency limits then apply on top of the key's
(counted by the key's own limiters, under store names of the user's), and the event carries the user id.
Other keys' `user` field changes nothing."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway import reporting
from gateway.admission import Admission, Gate
from gateway.errors import GatewayError
from gateway.events import EventRecorder
from gateway.limits import Limiter
from gateway.models import Key, User
from gateway.store import Store

LOOKUP_TTL_S = 2.0  # a changed limit or a disabled user counts within this long
MAX_USER_FIELD = 128
_PREFIX = "user:"


def user_spend_since(engine: Engine, user_id: str, since: float | None) -> float:
    """Recorded spend of a user, optionally since a unix time (rollups, so retention forgets none of it)."""
    with Session(engine) as db:
        return reporting.user_spend(db, user_id, since)


def limits_of(user: User) -> Key:
    """The user's limits in the shape the key limiter counts, under store names of their own."""
    return _limits(user.id, user.rate_limit_over_time, user.rate_limit_unit, user.cost_limit_in_usd,
                   user.cost_limit_in_usd_over_time, user.cost_limit_in_usd_unit, user.max_concurrent_requests,
                   user.token_limit_over_time, user.token_limit_unit)


@functools.lru_cache(maxsize=4096)
def _limits(user_id: str, rate: int, rate_unit: str, cost: float, cost_over_time: float, cost_unit: str,
            concurrent: int, tokens: int, token_unit: str) -> Key:
    """One (read-only) Key per user and set of limits: building a SQLModel object costs ~130 µs, and a
    request of a vouched-for user needs it twice on the proxy path. A changed limit is a new cache entry."""
    return Key(key_id=_PREFIX + user_id, key_hash="", rate_limit_over_time=rate, rate_limit_unit=rate_unit,
               cost_limit_in_usd=cost, cost_limit_in_usd_over_time=cost_over_time, cost_limit_in_usd_unit=cost_unit,
               max_concurrent_requests=concurrent, token_limit_over_time=tokens, token_limit_unit=token_unit)


class UserLimits:
    """Finds the vouched-for user of a request and admits it against that user's limits."""

    def __init__(self, engine: Engine, store: Store, recorder: EventRecorder) -> None:
        self._engine = engine
        self._limiter = Limiter(
            store,
            lambda subject, since: user_spend_since(engine, subject.removeprefix(_PREFIX), since),
            lambda subject, since: recorder.pending_cost(subject.removeprefix(_PREFIX), since, column="user_id"),
        )
        self._cache: dict[str, tuple[float, User | None]] = {}

    async def resolve(self, key: Key, payload: Mapping[str, Any]) -> User | None:
        """The user a vouching key names; None for other keys or no `user`. 400 for a malformed
        `user`, 403 for a disabled user; an unknown id gets no limits of its own but is recorded."""
        if not key.vouches_for_users:
            return None
        raw = payload.get("user")
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or len(raw) > MAX_USER_FIELD:
            raise GatewayError(400, f"'user' must be a string of at most {MAX_USER_FIELD} characters.", code="invalid_user")
        user = await self._lookup(raw)
        if user is None:
            return User(id=raw, name=raw)
        if user.disabled:
            raise GatewayError(403, f"The user '{user.name}' is disabled.", code="user_disabled")
        return user

    async def admit(self, user: User, gate: Gate, admission: Admission, body_bytes: int, payload: Mapping[str, Any],
                    ticket: str) -> None:
        """Count the request against the user's rate and cost limits, take their concurrency place and
        token reservation (given back with the key's by `Gate.leave`); 429 in the user's own words when over."""
        limits = limits_of(user)
        try:
            await self._limiter.admit(limits)
            await gate.enter(admission, limits, body_bytes, payload, ticket)
        except GatewayError as err:
            err.message = err.message.replace("this key", f"user '{user.name}'")
            err.code = "user_" + err.code
            raise

    async def add(self, user: User, cost: float, now: float) -> None:
        await self._limiter.add(limits_of(user), cost, now)

    async def _lookup(self, user_id: str) -> User | None:
        now = time.monotonic()
        cached = self._cache.get(user_id)
        if cached is not None and now - cached[0] < LOOKUP_TTL_S:
            return cached[1]
        user = await asyncio.to_thread(self._load, user_id)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[user_id] = (now, user)
        return user

    def _load(self, user_id: str) -> User | None:
        with Session(self._engine, expire_on_commit=False) as db:
            return db.get(User, user_id)
