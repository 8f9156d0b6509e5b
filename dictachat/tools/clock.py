"""The current date and time in a time zone (default Asia/Jerusalem), with the Hebrew date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyluach import dates

from dictachat.tools.base import Tool, ToolError

DEFAULT_TZ = "Asia/Jerusalem"


def now_in(tz_name: str, clock: Callable[[ZoneInfo], datetime] = datetime.now) -> dict[str, Any]:
    """Describe the current moment in `tz_name`; `clock` is injectable for tests."""
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(f"unknown time zone {tz_name!r}; use an IANA name such as 'Asia/Jerusalem' or 'UTC'") from None
    moment = clock(zone)
    hebrew = dates.GregorianDate(moment.year, moment.month, moment.day).to_heb()
    return {
        "timezone": tz_name,
        "iso": moment.isoformat(timespec="seconds"),
        "date": moment.strftime("%Y-%m-%d"),
        "time": moment.strftime("%H:%M:%S"),
        "weekday": moment.strftime("%A"),
        "utc_offset": moment.strftime("%z"),
        "hebrew_date": hebrew.hebrew_date_string(),
    }


def _run(args: dict[str, Any]) -> dict[str, Any]:
    return now_in(str(args.get("timezone") or DEFAULT_TZ))


TOOL = Tool(
    name="current_datetime",
    description="Get the current date, time and weekday in a time zone (default Asia/Jerusalem), with the Hebrew date.",
    properties={"timezone": {"type": "string", "description": "IANA time zone, e.g. 'Asia/Jerusalem', 'Europe/London', 'UTC'"}},
    required=(),
    run=_run,
)
