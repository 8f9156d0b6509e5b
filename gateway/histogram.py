"""Latency histogram bins: log-spaced so that any percentile read from them is within 1 % of the exact one.

Bin i holds latencies in (GAMMA**(i-1), GAMMA**i] ms and is read back as 2*GAMMA**i/(GAMMA+1), which is
within ALPHA (relative) of every value in the bin (the DDSketch construction). A percentile interpolated
between two such readings is therefore within ALPHA of the exact interpolated percentile too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, cast, func, or_, select
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


def rank_rows(counts: Subquery, quantiles: Sequence[float]) -> Select[Any]:
    """From (idx, bin, n) rows (n latencies of group idx in bin), only the bins holding the order
    statistics that `quantiles` need, as (idx, bin, seen before this bin, n, total of the group): the
    database walks the histogram, a handful of rows per group come back."""
    # ROWS framing: bins are unique per group, and PostgreSQL need not look for peer rows.
    seen = func.sum(counts.c.n).over(partition_by=counts.c.idx, order_by=counts.c.bin, rows=(None, 0))
    total = func.sum(counts.c.n).over(partition_by=counts.c.idx)
    walked = select(counts.c.idx, counts.c.bin, counts.c.n, seen.label("seen"), total.label("total")).subquery()
    ranks = [f((walked.c.total - 1) * q) for q in quantiles for f in (func.floor, func.ceil)]
    holds = [and_(walked.c.seen - walked.c.n <= rank, rank < walked.c.seen) for rank in ranks]
    return select(walked.c.idx, walked.c.bin, walked.c.seen - walked.c.n, walked.c.n, walked.c.total).where(or_(*holds))


def percentiles_of(rows: Iterable[Sequence[Any]], quantiles: Sequence[float]) -> dict[int, list[float]]:
    """Percentiles per group (same order as `quantiles`) from the rows of `rank_rows`."""
    groups: dict[int, list[tuple[int, int, int, int]]] = {}
    for idx, bin_index, before, n, total in rows:
        groups.setdefault(int(idx), []).append((int(bin_index), int(before), int(n), int(total)))
    out = {}
    for idx, bins in groups.items():
        total = bins[0][3]

        def nth(index: int, bins: list[tuple[int, int, int, int]] = bins) -> float:
            return next(value_of(b) for b, before, n, _ in bins if before <= index < before + n)

        values = []
        for q in quantiles:
            rank = (total - 1) * q
            low, high = math.floor(rank), math.ceil(rank)
            values.append(nth(low) + (nth(high) - nth(low)) * (rank - low))
        out[idx] = values
    return out
