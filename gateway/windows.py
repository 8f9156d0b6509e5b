"""Fixed time windows for rate and cost limits (s, m, h, d and calendar months)."""

from __future__ import annotations

from datetime import UTC, datetime

RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
COST_UNITS = {"m": 60, "h": 3600, "d": 86400, "mo": None}
TOKEN_UNITS = {"m": 60, "h": 3600, "d": 86400}


def window(unit: str, now: float) -> tuple[int, int]:
    """Return (start, end) unix seconds of the window of `unit` that contains `now`."""
    if unit == "mo":
        t = datetime.fromtimestamp(now, tz=UTC)
        first = datetime(t.year, t.month, 1, tzinfo=UTC)
        after = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1, tzinfo=UTC)
        return int(first.timestamp()), int(after.timestamp())
    size = RATE_UNITS.get(unit) or COST_UNITS.get(unit)
    if not size:
        raise ValueError(f"unknown time unit '{unit}'")
    start = int(now // size * size)
    return start, start + size
