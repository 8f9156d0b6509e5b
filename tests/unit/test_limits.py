"""Rate windows are exact under concurrency; budgets refuse at the limit; ttl and windows parse right."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from common.time_units import parse_duration
from gateway.errors import GatewayError
from gateway.limits import Limiter
from gateway.models import Key
from gateway.store import LocalStore
from gateway.windows import window


def _limiter() -> Limiter:
    return Limiter(LocalStore(), lambda key_id, since: 0.0, lambda key_id, since: 0.0)


async def test_concurrent_requests_admit_exactly_the_limit() -> None:
    limiter = _limiter()
    key = Key(key_id="k", key_hash="h", rate_limit_over_time=7, rate_limit_unit="h")

    async def one() -> int:
        try:
            await limiter.admit(key, now=1_000_000.0)
            return 200
        except GatewayError as err:
            return err.status

    results = await asyncio.gather(*(one() for _ in range(50)))
    assert results.count(200) == 7 and results.count(429) == 43


async def test_new_window_admits_again_and_429_says_when() -> None:
    limiter = _limiter()
    key = Key(key_id="k", key_hash="h", rate_limit_over_time=1, rate_limit_unit="m")
    first = await limiter.admit(key, now=120.0)
    assert first is not None and first.remaining == 0 and first.reset_at == 180
    with pytest.raises(GatewayError) as refused:
        await limiter.admit(key, now=150.0)
    assert refused.value.status == 429 and refused.value.headers["retry-after"] == "30"
    assert "Try again in 30 s" in refused.value.message
    assert await limiter.admit(key, now=181.0) is not None


async def test_key_without_rate_limit_is_not_counted() -> None:
    assert await _limiter().admit(Key(key_id="k", key_hash="h")) is None


class _Ledger:
    """Events as the recorder and database hold them: a request's event exists before its spend is added."""

    def __init__(self, *costs: tuple[float, float]) -> None:
        self.events = list(costs)

    def recorded(self, key_id: str, since: float | None) -> float:
        return sum(c for t, c in self.events if since is None or t >= since)

    async def charge(self, limiter: Limiter, key: Key, cost: float, now: float) -> None:
        self.events.append((now, cost))
        await limiter.add(key, cost, now=now)


async def test_budget_refuses_at_limit_and_seeds_from_events() -> None:
    ledger = _Ledger((10.0, 0.5))
    limiter = Limiter(LocalStore(), ledger.recorded, lambda key_id, since: 0.0)
    key = Key(key_id="k", key_hash="h", cost_limit_in_usd=1.0)
    await limiter.admit(key, now=20.0)  # 0.5 spent before this process started
    await ledger.charge(limiter, key, 0.25, now=30.0)
    await limiter.admit(key, now=40.0)
    await ledger.charge(limiter, key, 0.25, now=50.0)
    with pytest.raises(GatewayError) as refused:
        await limiter.admit(key, now=60.0)
    assert refused.value.status == 429 and "$1.000000 budget" in refused.value.message


async def test_period_budget_resets_with_the_period() -> None:
    ledger = _Ledger()
    limiter = Limiter(LocalStore(), ledger.recorded, lambda key_id, since: 0.0)
    key = Key(key_id="k", key_hash="h", cost_limit_in_usd_over_time=0.5, cost_limit_in_usd_unit="d")
    day = 86400 * 20000
    await limiter.admit(key, now=day + 5)
    await ledger.charge(limiter, key, 0.6, now=day + 10)
    with pytest.raises(GatewayError) as refused:
        await limiter.admit(key, now=day + 20)
    assert "per day" in refused.value.message
    await limiter.admit(key, now=day + 86400 + 5)


def test_calendar_month_window() -> None:
    now = datetime(2026, 12, 15, tzinfo=UTC).timestamp()
    start, end = window("mo", now)
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 12, 1, tzinfo=UTC)
    assert datetime.fromtimestamp(end, UTC) == datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        window("w", now)


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("2h", 7200), ("1h30m", 5400), ("7d", 604800), ("500ms", 0.5)])
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "10", "5x", "1h junk", "0s"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
