"""Usage reports computed by the database: rollups for whole days, 3-hour blocks and hours, raw events
only for the edges.

A window [start, end) is cut into buckets of `increment` seconds. Every UTC day that lies inside one
bucket is read from the daily rollups, every other whole 3-hour block (from UTC midnight) inside one
bucket from the 3-hourly ones, every other hour inside one bucket from the hourly ones (gateway.rollups);
hours that straddle a bucket edge or the window's edges are read from raw events, grouped by the
database too. Hours before the retention `horizon` have no raw events left: there a
straddling hour counts whole, in the bucket where it starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, not_, or_, true, type_coerce, union_all
from sqlalchemy import select as select_columns  # more than four columns; sqlmodel's select types at most four
from sqlalchemy.types import Integer
from sqlmodel import Session, col, select

from gateway import histogram, retention
from gateway.errors import GatewayError
from gateway.event_search import EventFilter
from gateway.models import (
    Event,
    EventRollup,
    Key,
    LatencyCounts,
    LatencyRollup,
    RollupTotals,
    User,
)
from gateway.rollups import ALL, CANCELLED_STATUS, COARSE_MODELS, HOUR, hour_of

MAX_BUCKETS = 10_000
QUANTILES = (0.5, 0.95, 0.99)
MAX_RAW_INTERVALS = 64  # past this many edge pieces, read the whole window after the horizon from raw events
COARSE_LEVELS = tuple(sorted((size for size, _, _ in COARSE_MODELS), reverse=True))  # block seconds, coarsest first
COARSE_TOTALS: dict[int, type[RollupTotals]] = {size: totals for size, totals, _ in COARSE_MODELS}
COARSE_LATENCIES: dict[int, type[LatencyCounts]] = {size: latencies for size, _, latencies in COARSE_MODELS}
MAX_COARSE_RANGES = 128  # past this many separate runs of 3-hour blocks and days, read hourly rollups only


@dataclass
class DataPoint:
    """Totals of one bucket [time_stamp, time_stamp + increment)."""

    time_stamp: int
    number_of_requests: int = 0
    prompt_token_count: int = 0
    completion_token_count: int = 0
    cost_in_usd: float = 0.0
    latency_in_ms: float = 0.0
    latency_in_ms_median: float = 0.0
    latency_in_ms_95th: float = 0.0
    latency_in_ms_99th: float = 0.0
    error_count: int = 0
    cancelled_count: int = 0
    cache_hit_count: int = 0
    latency_sum_ms: float = field(default=0.0, repr=False)


@dataclass
class EventReport:
    data_points: list[DataPoint]
    latency_in_ms_median: float
    latency_in_ms_99th: float
    latency_in_ms_95th: float = 0.0


@dataclass
class Spend:
    """Spend, requests and tokens of one key, user or model."""

    key_id: str = ""
    model: str = ""
    user_id: str = ""
    name: str = ""
    last_seen: float | None = None  # users only: their last request in the window
    cost_in_usd: float = 0.0
    requests: int = 0
    prompt_token_count: int = 0
    completion_token_count: int = 0


@dataclass(frozen=True)
class Window:
    """[start, end) (either open) cut into buckets of `increment` seconds (one bucket when None)."""

    start: float | None
    end: float | None
    increment: int | None = None
    horizon: int = 0

    def edges(self) -> list[float]:
        """Every bucket edge, the window's own edges included."""
        inner = range(int(self.start), int(self.end), self.increment) if (
            self.increment and self.start is not None and self.end is not None) else []
        return [*inner, *(e for e in (self.start, self.end) if e is not None)]

    @cached_property
    def raw_intervals(self) -> list[tuple[float, float]]:
        """Time ranges read from raw events: the straddling hours after the horizon, merged."""
        low = self.start if self.start is not None else -math.inf
        high = self.end if self.end is not None else math.inf
        hours = sorted({hour_of(edge) for edge in self.edges() if edge % HOUR})
        pieces = [(max(h, low), min(h + HOUR, high)) for h in hours if h >= self.horizon]
        merged: list[tuple[float, float]] = []
        for a, b in (p for p in pieces if p[0] < p[1]):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        if len(merged) > MAX_RAW_INTERVALS:
            return [(max(low, self.horizon), high)]
        return merged

    @cached_property
    def coarse(self) -> dict[int, list[tuple[float, float]]]:
        """Time ranges read from each coarser rollup level (block seconds → merged ranges): in each bucket the
        whole blocks of the coarsest level, then of the next in what is left. None when buckets are shorter
        than the smallest block or start off a whole second, or the ranges would be many or meet raw edges."""
        low = self.start if self.start is not None else -math.inf
        high = self.end if self.end is not None else math.inf
        if self.increment is None or self.start is None:
            spans = [(low, high)]
        elif self.increment < min(COARSE_LEVELS) or self.end is None or not float(self.start).is_integer():
            return {}
        else:
            spans = [(b, min(b + self.increment, high)) for b in range(int(self.start), math.ceil(high), self.increment)]
        runs: dict[int, list[tuple[float, float]]] = {size: [] for size in COARSE_LEVELS}
        for a, b in spans:
            _cover(a, b, COARSE_LEVELS, runs)
        raw = self.raw_intervals
        pieces = [piece for level in runs.values() for piece in level]
        if len(pieces) > MAX_COARSE_RANGES or any(a < p_high and p_low < b for a, b in raw for p_low, p_high in pieces):
            return {}
        return {size: level for size, level in runs.items() if level}

    @cached_property
    def hours(self) -> list[tuple[float, float]]:
        """Time ranges read from the hourly rollups (before raw edges are taken out): the window less its
        coarser blocks."""
        low = self.start if self.start is not None else -math.inf
        high = self.end if self.end is not None else math.inf
        pieces = []
        for block_low, block_high in sorted(piece for level in self.coarse.values() for piece in level):
            pieces.append((low, block_low))
            low = block_high
        pieces.append((low, high))
        return [(a, b) for a, b in pieces if a < b]


def _cover(low: float, high: float, sizes: Sequence[int], runs: dict[int, list[tuple[float, float]]]) -> None:
    """Add to `runs` the whole blocks of sizes[0] in [low, high), and recursively of the smaller sizes
    around them; runs of one size stay in time order and touching ones merge."""
    if not sizes:
        return
    size, rest = sizes[0], sizes[1:]
    first = low if math.isinf(low) else math.ceil(low / size) * size
    last = high if math.isinf(high) else math.floor(high / size) * size
    if first >= last:
        _cover(low, high, rest, runs)
        return
    _cover(low, first, rest, runs)
    level = runs[size]
    if level and first <= level[-1][1]:
        level[-1] = (level[-1][0], last)
    else:
        level.append((first, last))
    _cover(last, high, rest, runs)


def _in_ranges(column: Any, ranges: list[tuple[float, float]]) -> ColumnElement[bool]:
    """`column` inside one of the [a, b) ranges (either end may be infinite)."""
    bounded = [[*([column >= a] if a > -math.inf else []), *([column < b] if b < math.inf else [])] for a, b in ranges]
    return or_(*(and_(*conds) if conds else true() for conds in bounded))


def _index(column: Any, window: Window) -> ColumnElement[int]:
    """Bucket index of a time column (integer hours or float event times)."""
    if window.increment is None or window.start is None:
        return type_coerce(literal(0), Integer)
    offset = column - window.start
    if isinstance(column.type, Integer) and float(window.start).is_integer():
        # Integer division in both databases (SQLAlchemy's "/" would divide as NUMERIC on PostgreSQL: slow).
        return type_coerce(offset.self_group().op("/")(int(window.increment)), Integer)
    return func.floor(offset / window.increment).cast(Integer)


def _rollup_tables(window: Window, hourly: type[Any], coarse: dict[int, type[Any]]) -> list[tuple[type[Any], list[ColumnElement[bool]]]]:
    """The rollup tables to read, each with the conditions on its bucket_start: whole blocks from the
    `coarse` tables (by block seconds), other hours inside the window from `hourly`, less the hours read
    from raw events."""
    parts: list[tuple[type[Any], list[ColumnElement[bool]]]] = [
        (coarse[size], [_in_ranges(col(coarse[size].bucket_start), runs)]) for size, runs in window.coarse.items()]
    hours = window.hours
    if hours:
        column = col(hourly.bucket_start)
        parts.append((hourly, [_in_ranges(column, hours), *_not_raw(column, window)]))
    return parts


def _not_raw(column: Any, window: Window) -> list[ColumnElement[bool]]:
    """Hours of a rollup `column` that are not read from raw events (those straddle a bucket edge)."""
    raw = window.raw_intervals
    return [not_(_in_ranges(column, [(hour_of(a), b) for a, b in raw]))] if raw else []


def _rollup_hours(column: Any, window: Window) -> list[ColumnElement[bool]]:
    """Hourly rollup rows inside the window and not read from raw events (every level: hourly rows cover all)."""
    conds: list[ColumnElement[bool]] = []
    if window.start is not None:
        conds.append(column >= window.start)
    if window.end is not None:
        conds.append(column < window.end)
    return [*conds, *_not_raw(column, window)]


def _raw_times(window: Window) -> ColumnElement[bool] | None:
    """Events read raw, or None when the rollups answer everything."""
    raw = window.raw_intervals
    return _in_ranges(col(Event.created_at), raw) if raw else None


def _rollup_filter(table: type[RollupTotals] | type[LatencyCounts], flt: EventFilter, dialect: str,
                   grouped: bool = False) -> list[ColumnElement[bool]]:
    """Rollup rows of the filter's keys, tags and users; the "*" rows (one per bucket) when it names none
    and nothing is grouped."""
    if not flt.key_ids and not flt.tags and not flt.user_ids and not grouped:
        return [col(table.key_id) == ALL]
    return [col(table.key_id) != ALL, *flt.scope(table, dialect)]


def _counter_sums(db: Session, window: Window, flt: EventFilter, group: str | None = None) -> list[tuple[Any, ...]]:
    """(bucket index, [group value,] requests, prompt, completion, cost, latency sum, errors, cancelled,
    cache hits) from rollups and from raw edge events, not yet added together."""
    dialect = db.get_bind().dialect.name
    rows: list[tuple[Any, ...]] = []
    for table, times in _rollup_tables(window, EventRollup, COARSE_TOTALS):
        r_group = [col(getattr(table, group))] if group else []
        idx = _index(col(table.bucket_start), window)  # one object: PostgreSQL must see the same parameters in GROUP BY
        rollup_query = (
            select_columns(
                idx, *r_group,
                func.sum(table.requests), func.sum(table.prompt_token_count),
                func.sum(table.completion_token_count), func.sum(table.cost_in_usd),
                func.sum(table.latency_sum_ms), func.sum(table.error_count),
                func.sum(table.cancelled_count), func.sum(table.cache_hit_count),
            )
            .where(*times, *_rollup_filter(table, flt, dialect, group is not None))
            .group_by(idx, *r_group)
        )
        rows += [tuple(row) for row in db.connection().execute(rollup_query).all()]
    raw = _raw_times(window)
    if raw is not None:
        e_group = [col(getattr(Event, group))] if group else []
        failed = and_(col(Event.status) != CANCELLED_STATUS, or_(col(Event.status) >= 400, col(Event.error) != ""))
        raw_idx = _index(col(Event.created_at), window)
        raw_query = (
            select_columns(
                raw_idx, *e_group,
                func.count(), func.sum(Event.prompt_token_count), func.sum(Event.completion_token_count),
                func.sum(Event.cost_in_usd), func.sum(Event.latency_in_ms),
                func.sum(_flag(failed)), func.sum(_flag(col(Event.status) == CANCELLED_STATUS)),
                func.sum(_flag(col(Event.cache_hit) == True)),  # noqa: E712  # SQL comparison
            )
            .where(raw, *flt.scope(Event, dialect))
            .group_by(raw_idx, *e_group)
        )
        rows += [tuple(row) for row in db.connection().execute(raw_query).all()]
    return rows


def _settle(db: Session) -> None:
    """PostgreSQL settings for this transaction's report queries: room to hash groups in memory instead of
    sorting them on disk, and one core only, so that the proxy keeps the other cores while a report runs."""
    if db.get_bind().dialect.name == "postgresql":
        db.connection().exec_driver_sql("SET LOCAL work_mem = '64MB'; SET LOCAL max_parallel_workers_per_gather = 0")


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return case((cond, 1), else_=0)


WHOLE = -1  # bucket index of the whole window's percentiles


def _latency_percentiles(db: Session, window: Window, flt: EventFilter) -> dict[int, list[float]]:
    """p50/p95/p99 per bucket index, and of the whole window at WHOLE, from the latency histograms of
    rollups and of raw edge events: merged, summed and walked by the database in one query."""
    dialect = db.get_bind().dialect.name
    parts: list[Any] = [  # selects of (idx, bin, n)
        select_columns(_index(col(table.bucket_start), window).label("idx"), col(table.bin).label("bin"),
                       col(table.count).label("n"))
        .where(*times, *_rollup_filter(table, flt, dialect))
        for table, times in _rollup_tables(window, LatencyRollup, COARSE_LATENCIES)
    ]
    raw = _raw_times(window)
    if raw is not None:
        parts.append(
            select_columns(_index(col(Event.created_at), window).label("idx"),
                           histogram.bin_sql(col(Event.latency_in_ms)).label("bin"), literal(1).label("n"))
            .where(raw, *flt.scope(Event, dialect))
        )
    merged = union_all(*parts).subquery()
    # Counts as 4-byte integers (no bin of one bucket holds 2**31 events): PostgreSQL sums those in
    # machine integers, where sums of 8-byte ones become NUMERIC, several times slower.
    per_bucket = (select_columns(merged.c.idx, merged.c.bin, func.sum(merged.c.n).cast(Integer).label("n"))
                  .group_by(merged.c.idx, merged.c.bin).cte("per_bucket"))
    whole = select_columns(literal(WHOLE).label("idx"), per_bucket.c.bin,
                           func.sum(per_bucket.c.n).cast(Integer).label("n")).group_by(per_bucket.c.bin)
    counts = union_all(select_columns(per_bucket.c.idx, per_bucket.c.bin, per_bucket.c.n), whole).subquery()
    rows = db.connection().execute(histogram.rank_rows(counts, QUANTILES)).all()
    return histogram.percentiles_of(rows, QUANTILES)


def report_events(db: Session, flt: EventFilter, start: int, end: int, increment: int) -> EventReport:
    """Every bucket of `increment` seconds from `start` to `end` (empty ones too) and overall percentiles
    (within histogram.ALPHA of the exact ones); events must match `flt`'s keys, tags and users."""
    if end <= start:
        raise GatewayError(400, "end: must be after start")
    if increment <= 0:
        raise GatewayError(400, "increment: must be a positive number of seconds")
    count = math.ceil((end - start) / increment)
    if count > MAX_BUCKETS:
        raise GatewayError(400, f"increment: {increment} s gives {count} buckets; at most {MAX_BUCKETS} are allowed")
    _settle(db)
    window = Window(start, end, increment, retention.horizon(db))
    points = [DataPoint(time_stamp=start + i * increment) for i in range(count)]
    for idx, requests, prompt, completion, cost, latency, errors, cancelled, cached in _counter_sums(db, window, flt):
        point = points[int(idx)]
        point.number_of_requests += int(requests)
        point.prompt_token_count += int(prompt)
        point.completion_token_count += int(completion)
        point.cost_in_usd += float(cost)
        point.latency_sum_ms += float(latency)
        point.error_count += int(errors)
        point.cancelled_count += int(cancelled)
        point.cache_hit_count += int(cached)
    percentiles = _latency_percentiles(db, window, flt)
    for idx, (median, p95, p99) in percentiles.items():
        if idx != WHOLE:
            point = points[idx]
            point.latency_in_ms_median, point.latency_in_ms_95th, point.latency_in_ms_99th = median, p95, p99
    for point in points:
        if point.number_of_requests:
            point.latency_in_ms = point.latency_sum_ms / point.number_of_requests
    median, p95, p99 = percentiles.get(WHOLE, [0.0, 0.0, 0.0])
    return EventReport(points, median, p99, p95)


def _usages(db: Session, start: float | None, end: float | None, group: str,
            flt: EventFilter | None = None) -> dict[str, Spend]:
    """Totals per value of `group` (key_id, user_id or model) over [start, end), rollups and raw edges together."""
    _settle(db)
    window = Window(start, end, None, retention.horizon(db))
    out: dict[str, Spend] = {}
    for _idx, value, requests, prompt, completion, cost, *_rest in _counter_sums(db, window, flt or EventFilter(), group):
        usage = out.setdefault(value, Spend(**{group: value}))
        usage.requests += int(requests)
        usage.prompt_token_count += int(prompt)
        usage.completion_token_count += int(completion)
        usage.cost_in_usd += float(cost)
    return out


def key_usage(db: Session, key_id: str, start: float | None = None, end: float | None = None) -> Spend:
    """Spend and tokens of one existing key (all time unless a window is given)."""
    if db.get(Key, key_id) is None:
        raise GatewayError(404, f"key '{key_id}' does not exist")
    return _usages(db, start, end, "key_id", EventFilter(key_ids=[key_id])).get(key_id, Spend(key_id=key_id))


def key_spend(db: Session, key_id: str, since: float | None) -> float:
    """Recorded spend of a key since a unix time (all time when None): what budgets are checked against."""
    return _usages(db, since, None, "key_id", EventFilter(key_ids=[key_id])).get(key_id, Spend()).cost_in_usd


def user_spend(db: Session, user_id: str, since: float | None) -> float:
    """Recorded spend of a user since a unix time, like `key_spend` (rollups: retention forgets none)."""
    return user_usages(db, [user_id], since).get(user_id, Spend()).cost_in_usd


def user_usages(db: Session, user_ids: Sequence[str], since: float | None = None) -> dict[str, Spend]:
    """Requests, tokens and spend of each of `user_ids` (all time unless `since`)."""
    if not user_ids:
        return {}
    return _usages(db, since, None, "user_id", EventFilter(user_ids=list(user_ids)))


def _ranked(usages: dict[str, Spend], attr: str, limit: int) -> list[Spend]:
    """Biggest spenders first, then most requests, then by name; empty names left out."""
    ranked = sorted((u for value, u in usages.items() if value), key=lambda u: (-u.cost_in_usd, -u.requests, getattr(u, attr)))
    return ranked[:limit]


def top_keys(db: Session, start: float | None, end: float | None, limit: int, tags: Sequence[str] = ()) -> list[Spend]:
    """Keys with the highest spend, then the most requests, with their names."""
    usages = _ranked(_usages(db, start, end, "key_id", EventFilter(tags=list(tags))), "key_id", limit)
    names = dict(db.exec(select(Key.key_id, Key.name).where(col(Key.key_id).in_([u.key_id for u in usages]))).all())
    for usage in usages:
        usage.name = names.get(usage.key_id, "")
    return usages


def top_users(db: Session, start: float | None, end: float | None, limit: int, tags: Sequence[str] = ()) -> list[Spend]:
    """Users (named by keys that vouch for them) with the highest spend, then the most requests, with their
    names where the user still exists."""
    usages = _ranked(_usages(db, start, end, "user_id", EventFilter(tags=list(tags))), "user_id", limit)
    user_ids = [u.user_id for u in usages]
    names = dict(db.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
    seen = _last_seen(db, user_ids, start, end)
    for usage in usages:
        usage.name, usage.last_seen = names.get(usage.user_id, ""), seen.get(usage.user_id)
    return usages


def _last_seen(db: Session, user_ids: Sequence[str], start: float | None, end: float | None) -> dict[str, float]:
    """Each user's last request in [start, end), read as the totals are: the window's edge hours from raw
    events; for whole hours, the last rollup hour holding one, narrowed to the event's time by the raw
    events of that one hour (the hour's start once retention has deleted them)."""
    window = Window(start, end, None, retention.horizon(db))
    users = col(Event.user_id).in_(list(user_ids))
    created = col(Event.created_at)
    hour = col(EventRollup.bucket_start)
    last_hours = {u: int(h) for u, h in db.exec(
        select(col(EventRollup.user_id), func.max(hour))
        .where(col(EventRollup.user_id).in_(list(user_ids)), *_rollup_hours(hour, window))
        .group_by(col(EventRollup.user_id))).all()}
    seen = {u: float(h) for u, h in last_hours.items()}
    within = [and_(col(Event.user_id) == u, created >= h, created < h + HOUR) for u, h in last_hours.items()]
    raw = _raw_times(window)
    for cond in (or_(*within) if within else None, and_(users, raw) if raw is not None else None):
        if cond is not None:
            for user, at in db.exec(select(col(Event.user_id), func.max(created)).where(cond).group_by(col(Event.user_id))).all():
                seen[user] = max(seen.get(user, 0.0), float(at))
    return seen


def top_models(db: Session, start: float | None, end: float | None, limit: int) -> list[Spend]:
    """Models with the highest spend, then the most requests."""
    return _ranked(_usages(db, start, end, "model"), "model", limit)
