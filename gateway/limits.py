"""Per-key rate limits (exact, atomic in the store) and cost limits checked before the upstream is called."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.errors import GatewayError
from gateway.models import Key
from gateway.store import Store
from gateway.windows import RATE_UNITS, window

UNIT_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "mo": "month"}


@dataclass(frozen=True)
class RateDecision:
    limit: int
    remaining: int
    reset_at: int

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_at),
        }


async def admit(store: Store, key: Key, now: float | None = None) -> RateDecision | None:
    """Count this request in the key's window; raise 429 once the window holds `rateLimitOverTime` requests."""
    if key.rate_limit_over_time <= 0 or key.rate_limit_unit not in RATE_UNITS:
        return None
    now = time.time() if now is None else now
    start, end = window(key.rate_limit_unit, now)
    count = await store.incr_window(f"rl:{key.key_id}:{start}", end - now + 1)
    limit = key.rate_limit_over_time
    decision = RateDecision(limit=limit, remaining=max(0, limit - count), reset_at=end)
    if count > limit:
        retry = max(1, int(end - now + 0.999))
        unit = UNIT_WORDS[key.rate_limit_unit]
        raise GatewayError(
            429,
            f"Rate limit reached: this key allows {limit} requests per {unit}. Try again in {retry} s.",
            code="rate_limit_exceeded",
            headers={**decision.headers(), "retry-after": str(retry)},
        )
    return decision


SpendLoader = Callable[[str, float | None], float]


class Spend:
    """Running spend per key (total and per period) in the store, seeded from recorded and queued events."""

    def __init__(self, store: Store, load_recorded: SpendLoader, load_queued: SpendLoader) -> None:
        self._store = store
        self._load_recorded = load_recorded
        self._load_queued = load_queued

    def _keys(self, key: Key, now: float) -> list[tuple[str, float | None, float | None]]:
        """(store key, since, ttl) for the total and, if set, the current period."""
        out: list[tuple[str, float | None, float | None]] = [(f"spend:{key.key_id}:total", None, None)]
        if key.cost_limit_in_usd_over_time > 0 and key.cost_limit_in_usd_unit:
            start, end = window(key.cost_limit_in_usd_unit, now)
            out.append((f"spend:{key.key_id}:{key.cost_limit_in_usd_unit}:{start}", float(start), end - now + 60))
        return out

    async def _current(self, key_id: str, store_key: str, since: float | None, ttl: float | None) -> tuple[float, bool]:
        """The counter's value, and whether it was just seeded (the seed already holds queued events)."""
        raw = await self._store.get(store_key)
        if raw is not None:
            return float(raw), False
        seeded = await asyncio.to_thread(self._load_recorded, key_id, since) + self._load_queued(key_id, since)
        created = await self._store.set(store_key, repr(seeded).encode(), ttl, only_if_absent=True)
        raw = await self._store.get(store_key)
        return (float(raw) if raw is not None else seeded), created

    async def check(self, key: Key, now: float | None = None) -> None:
        """Raise 429 if the key's recorded spend is at or over its total or period limit."""
        if key.cost_limit_in_usd <= 0 and key.cost_limit_in_usd_over_time <= 0:
            return
        now = time.time() if now is None else now
        for store_key, since, ttl in self._keys(key, now):
            limit = key.cost_limit_in_usd if since is None else key.cost_limit_in_usd_over_time
            if limit <= 0:
                continue
            spent, _ = await self._current(key.key_id, store_key, since, ttl)
            if spent >= limit:
                if since is None:
                    raise GatewayError(
                        429, f"Cost limit reached: this key has spent ${spent:.6f} of its ${limit:.6f} budget.",
                        code="cost_limit_exceeded",
                    )
                _, end = window(key.cost_limit_in_usd_unit, now)
                retry = max(1, int(end - now))
                unit = UNIT_WORDS[key.cost_limit_in_usd_unit]
                raise GatewayError(
                    429,
                    f"Cost limit reached: this key has spent ${spent:.6f} of its ${limit:.6f} per {unit}. "
                    f"Try again in {retry} s.",
                    code="cost_limit_exceeded",
                    headers={"retry-after": str(retry)},
                )

    async def add(self, key: Key, cost: float, now: float | None = None) -> None:
        """Add a finished request's cost (already queued as an event) to every counter of the key."""
        if cost <= 0:
            return
        now = time.time() if now is None else now
        for store_key, since, ttl in self._keys(key, now):
            _, seeded_now = await self._current(key.key_id, store_key, since, ttl)
            if not seeded_now:
                await self._store.incr_float(store_key, cost, ttl)
