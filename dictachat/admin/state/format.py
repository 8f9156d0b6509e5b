"""Turning admin API numbers into the short strings the dashboard shows, and form lists into values."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal

from common.text import comma_list

# (window name, seconds, bucket size) for the time pickers; about 30-60 points per chart.
WINDOWS: dict[str, tuple[int, int]] = {
    "1h": (3600, 60),
    "24h": (86400, 1800),
    "7d": (7 * 86400, 10800),
    "30d": (30 * 86400, 43200),
}
_STEPS = [60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400, 7 * 86400]
# Bucket size → distance between two axis ticks: round clock times, about 4-8 ticks per chart.
_TICK_EVERY = {60: 600, 300: 3600, 900: 3 * 3600, 1800: 3 * 3600, 3600: 6 * 3600, 10800: 86400,
               21600: 86400, 43200: 5 * 86400, 86400: 7 * 86400, 7 * 86400: 28 * 86400}


def items(text: str) -> list[str]:
    """A form field listing values separated by commas or new lines, as a list without blanks."""
    return comma_list(text.replace("\r", "").replace("\n", ","))


def usd(value: float | None) -> str:
    """Dollars with enough digits that a fraction of a cent still shows."""
    value = float(value or 0.0)
    if value == 0:
        return "$0.00"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    if abs(value) >= 0.01:
        return f"${value:.4f}"
    return f"${value:.6f}".rstrip("0")


def limits(owner: Mapping[str, Any]) -> list[str]:
    """The rate and cost limits of a key or a user, each a short text ("20 / m", "$5.00", "$1.00 / d"); unset ones left out."""
    texts = []
    if owner.get("rateLimitOverTime"):
        texts.append(f"{owner['rateLimitOverTime']} / {owner.get('rateLimitUnit') or 'm'}")
    if owner.get("costLimitInUsd"):
        texts.append(usd(owner["costLimitInUsd"]))
    if owner.get("costLimitInUsdOverTime"):
        texts.append(f"{usd(owner['costLimitInUsdOverTime'])} / {owner.get('costLimitInUsdUnit') or 'd'}")
    return texts


def share(owner: Mapping[str, Any]) -> list[str]:
    """The GPU-share limits of a key or a user, each in a few words ("≤2 at once", "1,000 tok / h", "×3"); unset ones left out."""
    texts = []
    if owner.get("maxConcurrentRequests"):
        texts.append(f"≤{owner['maxConcurrentRequests']} at once")
    if owner.get("tokenLimitOverTime"):
        texts.append(f"{count(owner['tokenLimitOverTime'])} tok / {owner.get('tokenLimitUnit') or 'h'}")
    if (owner.get("priority") or 1) > 1:
        texts.append(f"×{owner['priority']}")
    return texts


def count(value: float | None) -> str:
    """A whole number with CLDR digit grouping (Hebrew and English group alike: 12,345)."""
    return format_decimal(int(value or 0), locale="en")


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    value = float(value)
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:,.0f} ms"


def percent(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "0%"


def stamp(ts: float | None, with_seconds: bool = True) -> str:
    """Local date and time of a unix timestamp."""
    if not ts:
        return "—"
    return datetime.fromtimestamp(float(ts)).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def _local(ts: float) -> float:
    """Seconds since the epoch as a wall clock here reads them (so that days start at local midnight)."""
    offset = datetime.fromtimestamp(ts).astimezone().utcoffset()
    return ts + (offset.total_seconds() if offset else 0.0)


def align(ts: float, step: int) -> int:
    """The clock boundary at or before `ts`: a whole minute, hour, 3 hours, local midnight … of `step`."""
    return int(ts - (_local(ts) % step))


def axis_label(ts: float, increment: int) -> str:
    """A bucket's chart label, unique in a chart: the date, with the time of day for sub-day buckets."""
    return datetime.fromtimestamp(ts).strftime("%d/%m %H:%M" if increment < 86400 else "%d/%m")


def is_tick(ts: float, increment: int) -> bool:
    """Whether the bucket starting at `ts` gets an axis tick: the same round clock times on every chart."""
    return _local(ts) % _TICK_EVERY.get(increment, increment) == 0


def span(window: str, custom_start: str = "", custom_end: str = "", now: float | None = None) -> tuple[int, int, int]:
    """(start, end, increment) unix seconds for a window name, or for custom `YYYY-MM-DDTHH:MM` bounds."""
    now = time.time() if now is None else now
    if window == "custom":
        start = datetime.fromisoformat(custom_start).timestamp()
        end = datetime.fromisoformat(custom_end).timestamp() if custom_end else now
        if end <= start:
            raise ValueError("the end must be after the start")
        step = next((s for s in _STEPS if (end - start) / s <= 60), _STEPS[-1])
        return align(start, step), int(end), step
    seconds, step = WINDOWS.get(window, WINDOWS["24h"])
    return align(now - seconds, step), int(now) + 1, step


def local_input(ts: float) -> str:
    """A timestamp as the value of an `<input type="datetime-local">`."""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%dT%H:%M")
