"""Usage reports from events: time buckets with exact latency percentiles, spend per key and model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as select_columns  # more than four columns; sqlmodel's select types at most four
from sqlmodel import Session, col, select

from gateway.errors import GatewayError
from gateway.event_search import EventFilter
from gateway.models import Event, Key

MAX_BUCKETS = 10_000


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
    latencies: list[float] = field(default_factory=list, repr=False)


@dataclass
class EventReport:
    data_points: list[DataPoint]
    latency_in_ms_median: float
    latency_in_ms_99th: float
    latency_in_ms_95th: float = 0.0


@dataclass
class Spend:
    """Spend, requests and tokens of one key or one model."""

    key_id: str = ""
    model: str = ""
    name: str = ""
    cost_in_usd: float = 0.0
    requests: int = 0
    prompt_token_count: int = 0
    completion_token_count: int = 0


def percentile(ordered: Sequence[float], q: float) -> float:
    """Exact percentile with linear interpolation (as PostgreSQL's percentile_cont); 0 when empty."""
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


CLIENT_CLOSED = 499  # the client went away (the chat's Stop) before the answer ended


def is_cancelled(status: int) -> bool:
    """The client stopped the request itself: its own category, not a failure of the gateway or model."""
    return status == CLIENT_CLOSED


def is_error(status: int, error: str) -> bool:
    """A request failed if the gateway answered >= 400 or the event records an error (e.g. a cut
    stream), unless the client cancelled it."""
    return not is_cancelled(status) and (status >= 400 or bool(error))


def report_events(db: Session, flt: EventFilter, start: int, end: int, increment: int) -> EventReport:
    """Every bucket of `increment` seconds from `start` to `end` (empty ones too) and overall percentiles."""
    if end <= start:
        raise GatewayError(400, "end: must be after start")
    if increment <= 0:
        raise GatewayError(400, "increment: must be a positive number of seconds")
    count = math.ceil((end - start) / increment)
    if count > MAX_BUCKETS:
        raise GatewayError(400, f"increment: {increment} s gives {count} buckets; at most {MAX_BUCKETS} are allowed")
    flt = flt.model_copy(update={"start": start, "end": end})
    points = [DataPoint(time_stamp=start + i * increment) for i in range(count)]
    columns = (
        col(Event.created_at), col(Event.latency_in_ms), col(Event.prompt_token_count),
        col(Event.completion_token_count), col(Event.cost_in_usd), col(Event.status), col(Event.error),
        col(Event.cache_hit),
    )
    query = select_columns(*columns).where(*flt.conditions(db.get_bind().dialect.name))
    rows = db.connection().execute(query).all()
    for created, latency, prompt, completion, cost, status, error, cached in rows:
        point = points[int((created - start) // increment)]
        point.number_of_requests += 1
        point.prompt_token_count += prompt
        point.completion_token_count += completion
        point.cost_in_usd += cost
        point.error_count += is_error(status, error)
        point.cancelled_count += is_cancelled(status)
        point.cache_hit_count += bool(cached)
        point.latencies.append(latency)
    for point in points:
        _summarize(point)
    overall = sorted(latency for point in points for latency in point.latencies)
    return EventReport(points, percentile(overall, 0.5), percentile(overall, 0.99), percentile(overall, 0.95))


def _summarize(point: DataPoint) -> None:
    ordered = sorted(point.latencies)
    if ordered:
        point.latency_in_ms = sum(ordered) / len(ordered)
    point.latency_in_ms_median = percentile(ordered, 0.5)
    point.latency_in_ms_95th = percentile(ordered, 0.95)
    point.latency_in_ms_99th = percentile(ordered, 0.99)


def _totals() -> tuple[ColumnElement[Any], ...]:
    return (
        func.coalesce(func.sum(Event.cost_in_usd), 0.0),
        func.count(),
        func.coalesce(func.sum(Event.prompt_token_count), 0),
        func.coalesce(func.sum(Event.completion_token_count), 0),
    )


def key_usage(db: Session, key_id: str, start: float | None = None, end: float | None = None) -> Spend:
    """Spend and tokens of one existing key, from its events (all time unless a window is given)."""
    if db.get(Key, key_id) is None:
        raise GatewayError(404, f"key '{key_id}' does not exist")
    conds = EventFilter(key_ids=[key_id], start=start, end=end).conditions(db.get_bind().dialect.name)
    cost, requests, prompt, completion = db.exec(select(*_totals()).where(*conds)).one()
    return Spend(key_id=key_id, cost_in_usd=float(cost), requests=int(requests),
                 prompt_token_count=int(prompt), completion_token_count=int(completion))


def top_keys(
    db: Session, start: float | None, end: float | None, limit: int, tags: Sequence[str] = ()
) -> list[Spend]:
    """Keys with the highest spend, then the most requests, with their names."""
    conds = EventFilter(tags=tags, start=start, end=end).conditions(db.get_bind().dialect.name)
    usages = _top(db, "key_id", [*conds, col(Event.key_id) != ""], limit)
    names = dict(db.exec(select(Key.key_id, Key.name).where(col(Key.key_id).in_([u.key_id for u in usages]))).all())
    for usage in usages:
        usage.name = names.get(usage.key_id, "")
    return usages


def top_models(db: Session, start: float | None, end: float | None, limit: int) -> list[Spend]:
    """Models with the highest spend, then the most requests."""
    conds = EventFilter(start=start, end=end).conditions(db.get_bind().dialect.name)
    return _top(db, "model", [*conds, col(Event.model) != ""], limit)


def _top(db: Session, attr: str, conds: list[ColumnElement[bool]], limit: int) -> list[Spend]:
    """Totals grouped by the event column `attr` (key_id or model), biggest spenders first."""
    group = col(getattr(Event, attr))
    cost, requests, prompt, completion = _totals()
    query = (
        select_columns(group, cost, requests, prompt, completion)
        .where(*conds)
        .group_by(group)
        .order_by(cost.desc(), requests.desc(), group)
        .limit(limit)
    )
    return [
        Spend(**{attr: value}, cost_in_usd=float(c), requests=int(r), prompt_token_count=int(p),
              completion_token_count=int(t))
        for value, c, r, p, t in db.connection().execute(query).all()
    ]
