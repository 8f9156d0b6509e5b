"""Latency histogram bins: log-spaced so that any percentile read from them is within 1 % of the exact one.

Bin i holds latencies in (GAMMA**(i-1), GAMMA**i] ms and is read back as 2*GAMMA**i/(GAMMA+1), which is
within ALPHA (relative) of every value in the bin (the DDSketch construction). A percentile interpolated
between two such readings is therefore within ALPHA of the exact interpolated percentile too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, cast, func
from sqlalchemy.types import Integer

ALPHA = 0.009  # relative error of a reading: 0.9 %, under the promised 1 % with room for float rounding
GAMMA = (1 + ALPHA) / (1 - ALPHA)
LOG_GAMMA = math.log(GAMMA)
MIN_MS = 0.001  # latencies below 1 µs (and 0) share one bin that reads as 0
ZERO_BIN = -100_000


def bin_of(latency_ms: float) -> int:
    """The bin holding `latency_ms`."""
    if latency_ms < MIN_MS:
        return ZERO_BIN
    return math.ceil(math.log(latency_ms) / LOG_GAMMA)


def bin_sql(latency: ColumnElement[Any] | Any) -> ColumnElement[int]:
    """The same bin computed by the database (ln and ceil exist in PostgreSQL and in SQLite >= 3.35)."""
    return cast(case((latency < MIN_MS, ZERO_BIN), else_=func.ceil(func.ln(latency) / LOG_GAMMA)), Integer)


def value_of(bin_index: int) -> float:
    """The reading of a bin: within ALPHA of every latency it holds."""
    if bin_index == ZERO_BIN:
        return 0.0
    return 2 * GAMMA**bin_index / (GAMMA + 1)


def percentile(counts: Sequence[tuple[int, int]], q: float) -> float:
    """Percentile `q` (0..1) with linear interpolation, as PostgreSQL's percentile_cont, from (bin, count)
    pairs sorted by bin; 0 when empty."""
    total = sum(count for _, count in counts)
    if total == 0:
        return 0.0
    rank = (total - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    low_value, high_value = _nth(counts, low), _nth(counts, high)
    return low_value + (high_value - low_value) * (rank - low)


def _nth(counts: Iterable[tuple[int, int]], index: int) -> float:
    """Reading of the `index`-th smallest latency (0-based)."""
    seen = 0
    for bin_index, count in counts:
        seen += count
        if seen > index:
            return value_of(bin_index)
    raise IndexError(index)
