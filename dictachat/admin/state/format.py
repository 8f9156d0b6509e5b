"""Turning admin API numbers into the short strings the dashboard shows, and form lists into values."""

from __future__ import annotations

import time
from datetime import datetime

# (window name, seconds, bucket size) for the time pickers; about 30-60 points per chart.
WINDOWS: dict[str, tuple[int, int]] = {
    "1h": (3600, 60),
    "24h": (86400, 1800),
    "7d": (7 * 86400, 10800),
    "30d": (30 * 86400, 43200),
}
_STEPS = [60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400, 7 * 86400]


def items(text: str) -> list[str]:
    """A form field listing values separated by commas or new lines, as a list without blanks."""
    return [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]


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


def count(value: float | None) -> str:
    return f"{int(value or 0):,}"


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


def axis_label(ts: float, increment: int) -> str:
    """A short chart-axis label: time of day for sub-day buckets, else the date."""
    moment = datetime.fromtimestamp(ts)
    return moment.strftime("%H:%M" if increment < 3600 else "%d/%m %H:%M" if increment < 86400 else "%d/%m")


def span(window: str, custom_start: str = "", custom_end: str = "", now: float | None = None) -> tuple[int, int, int]:
    """(start, end, increment) unix seconds for a window name, or for custom `YYYY-MM-DDTHH:MM` bounds."""
    now = time.time() if now is None else now
    if window == "custom":
        start = datetime.fromisoformat(custom_start).timestamp()
        end = datetime.fromisoformat(custom_end).timestamp() if custom_end else now
        if end <= start:
            raise ValueError("the end must be after the start")
        step = next((s for s in _STEPS if (end - start) / s <= 60), _STEPS[-1])
        return int(start), int(end), step
    seconds, step = WINDOWS.get(window, WINDOWS["24h"])
    start = int((now - seconds) // step * step)
    return start, int(now) + 1, step


def local_input(ts: float) -> str:
    """A timestamp as the value of an `<input type="datetime-local">`."""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%dT%H:%M")
