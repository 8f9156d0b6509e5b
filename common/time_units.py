"""Time units, one list each for the gateway and the dashboard: limit units and Go-style durations."""

from __future__ import annotations

import re

SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_UNITS = ("s", "m", "h", "d")  # rateLimitUnit
COST_UNITS = ("m", "h", "d", "mo")  # costLimitInUsdUnit; "mo" is the calendar month
TOKEN_UNITS = ("m", "h", "d")  # tokenLimitUnit
UNIT_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "mo": "month"}

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
# Longer durations are typos, and would overflow the 64-bit expiry columns: a century is plenty.
MAX_DURATION_S = 100 * 365 * 86400


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration ("90s", "2h", "1h30m", "7d"): key TTLs and request timeouts; ValueError if malformed."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("empty duration")
    pos, total = 0, 0.0
    for match in _DURATION.finditer(stripped):
        if match.start() != pos:
            break
        total += float(match.group(1)) * SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(stripped) or total <= 0:
        raise ValueError(f"'{text}' is not a duration like 30s, 15m, 2h or 7d")
    if not total <= MAX_DURATION_S:  # also catches inf from "9999...9h"
        raise ValueError(f"'{text[:40]}' is longer than 100 years")
    return total
