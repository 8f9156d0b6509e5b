"""Per-key rate limits (exact, atomic in the store) and budgets, checked before the upstream is called."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from common.time_units import RATE_UNITS, UNIT_WORDS
from gateway.errors import GatewayError
from gateway.models import Key
from gateway.store import Store
from gateway.windows import window

log = logging.getLogger("gateway.limits")

SpendLoader = Callable[[str, float | None], float]


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


@dataclass(frozen=True)
class Budget:
    """One spend counter of a key: its store key, the limit, and the period it covers (None = all time)."""

    store_key: str
    limit: float
    since: float | None
    ttl_s: float | None
    unit: str = ""


class Limiter:
    """Rate windows and spend counters in the store; spend counters are seeded from recorded events."""

    def __init__(self, store: Store, load_recorded: SpendLoader, load_queued: SpendLoader) -> None:
        self._store = store
        self._load_recorded = load_recorded
        self._load_queued = load_queued

    @staticmethod
    def budgets(key: Key, now: float) -> list[Budget]:
        out = []
        if key.cost_limit_in_usd > 0:
            out.append(Budget(f"spend:{_tag(key)}:total", key.cost_limit_in_usd, None, None))
        if key.cost_limit_in_usd_over_time > 0 and key.cost_limit_in_usd_unit:
            start, end = window(key.cost_limit_in_usd_unit, now)
            out.append(Budget(f"spend:{_tag(key)}:{key.cost_limit_in_usd_unit}:{start}",
                              key.cost_limit_in_usd_over_time, float(start), end - now + 60, key.cost_limit_in_usd_unit))
        return out

    async def admit(self, key: Key, now: float | None = None) -> RateDecision | None:
        """Count the request in its rate window and read its budgets in one store round trip; 429 if over."""
        now = time.time() if now is None else now
        limited = key.rate_limit_over_time > 0 and key.rate_limit_unit in RATE_UNITS
        budgets = self.budgets(key, now)
        if not limited and not budgets:
            return None
        counter, start, end = None, 0, 0
        if limited:
            start, end = window(key.rate_limit_unit, now)
            counter = f"rl:{_tag(key)}:{start}"
        count, values = await self._store.count_and_read(counter, end - now + 1, [b.store_key for b in budgets])
        decision = None
        if limited:
            decision = RateDecision(limit=key.rate_limit_over_time, remaining=max(0, key.rate_limit_over_time - count),
                                    reset_at=end)
            if count > key.rate_limit_over_time:
                retry = max(1, int(end - now + 0.999))
                raise GatewayError(
                    429,
                    f"Rate limit reached: this key allows {key.rate_limit_over_time} requests per "
                    f"{UNIT_WORDS[key.rate_limit_unit]}. Try again in {retry} s.",
                    code="rate_limit_exceeded",
                    headers={**decision.headers(), "retry-after": str(retry)},
                )
        for budget, raw in zip(budgets, values, strict=False):
            spent = float(raw) if raw is not None else (await self._seed(key.key_id, budget))[0]
            if spent >= budget.limit:
                refusal = _over_budget(budget, spent, now)
                refusal.headers = {**(decision.headers() if decision else {}), **refusal.headers}
                raise refusal
        return decision

    async def _seed(self, key_id: str, budget: Budget) -> tuple[float, bool]:
        """Start a counter from recorded and queued events; True if this call created it."""
        try:
            recorded = await asyncio.to_thread(self._load_recorded, key_id, budget.since)
        except Exception as exc:
            # Database away: judge by what this process still holds, without creating the counter,
            # so it is seeded properly once the database answers again.
            log.warning("cannot read recorded spend of key %s (%s); using queued events only", key_id, exc)
            return self._load_queued(key_id, budget.since), False
        seeded = recorded + self._load_queued(key_id, budget.since)
        created = await self._store.set(budget.store_key, repr(seeded).encode(), budget.ttl_s, only_if_absent=True)
        if created:
            return seeded, True
        raw = await self._store.get(budget.store_key)
        return (float(raw) if raw is not None else seeded), False

    async def add(self, key: Key, cost: float, now: float | None = None) -> None:
        """Add a finished request's cost (its event already queued) to the key's budget counters."""
        budgets = self.budgets(key, time.time() if now is None else now)
        if cost <= 0 or not budgets:
            return
        try:
            added = await self._store.incr_existing([b.store_key for b in budgets], cost)
            for budget, done in zip(budgets, added, strict=False):
                if not done and not (await self._seed(key.key_id, budget))[1]:
                    await self._store.incr_float(budget.store_key, cost, budget.ttl_s)
        except Exception:  # the event holds the cost; a counter seeded later from events will include it
            log.exception("could not add $%.6f to the budgets of key %s", cost, key.key_id)


def _tag(key: Key) -> str:
    """The key id as a hash tag: one script counts a key's window and reads its budgets, so Redis Cluster
    must keep them in one slot."""
    return "{" + key.key_id + "}"


def _over_budget(budget: Budget, spent: float, now: float) -> GatewayError:
    if budget.since is None:
        return GatewayError(429, f"Cost limit reached: this key has spent ${spent:.6f} of its ${budget.limit:.6f} budget.",
                            code="cost_limit_exceeded")
    _, end = window(budget.unit, now)
    retry = max(1, int(end - now))
    return GatewayError(
        429,
        f"Cost limit reached: this key has spent ${spent:.6f} of its ${budget.limit:.6f} per {UNIT_WORDS[budget.unit]}. "
        f"Try again in {retry} s.",
        code="cost_limit_exceeded",
        headers={"retry-after": str(retry)},
    )
