"""Fixed time windows for rate and cost limits (s, m, h, d and calendar months)."""

from __future__ import annotations

from datetime import UTC, datetime

from common.time_units import COST_UNITS, RATE_UNITS, SECONDS


def window(unit: str, now: float) -> tuple[int, int]:
    """Return (start, end) unix seconds of the window of `unit` that contains `now`."""
    if unit == "mo":
        t = datetime.fromtimestamp(now, tz=UTC)
        first = datetime(t.year, t.month, 1, tzinfo=UTC)
        after = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1, tzinfo=UTC)
        return int(first.timestamp()), int(after.timestamp())
    if unit not in RATE_UNITS and unit not in COST_UNITS:
        raise ValueError(f"unknown time unit '{unit}'")
    size = int(SECONDS[unit])
    start = int(now // size * size)
    return start, start + size
