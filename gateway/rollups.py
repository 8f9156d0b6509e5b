"""Hourly, 3-hourly and daily rollups of events, maintained in the transaction that inserts them (so each event
counts once).

`add` is called by the event writer with the rows it actually inserted; it adds their totals to
`event_rollups` (per hour, key, model, tag set and user, plus "*" rows for all events of the hour) and their
latencies to `latency_rollups` (per hour, key, user and tag set, plus "*" rows for all events of the hour),
and the same per 3 hours and per UTC day to the `_3h` and `_daily` tables. Reports and the spend counters
of keys and users read these instead of raw events, each time range from the coarsest level whose whole
blocks fit in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Table, Text, and_, case, func, inspect, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from gateway.histogram import bin_of, bin_sql
from gateway.models import (
    DailyEventRollup,
    DailyLatencyRollup,
    Event,
    EventRollup,
    EventRollup3h,
    LatencyCounts,
    LatencyRollup,
    LatencyRollup3h,
    RollupTotals,
)

HOUR = 3600
DAY = 86_400  # coarser rollups start at UTC midnight
ALL = "*"  # key_id (and model) of the rows that count every event of an hour (their tags are "[]")
CANCELLED_STATUS = 499  # the client went away before the answer ended

_COUNTERS = ("requests", "prompt_token_count", "completion_token_count", "cost_in_usd", "latency_sum_ms",
             "error_count", "cancelled_count", "cache_hit_count")
_ROLLUP_KEY = ("bucket_start", "key_id", "model", "tags", "user_id")
_LATENCY_KEY = ("key_id", "user_id", "bucket_start", "tags", "bin")
V = TypeVar("V")

ROLLUPS: Table = EventRollup.__table__  # type: ignore[attr-defined]  # set by SQLModel at runtime
LATENCIES: Table = LatencyRollup.__table__  # type: ignore[attr-defined]
# Coarser levels: (block seconds, totals model, latency model); each block is a whole number of hours.
# The one list of them: the writer's tables below and the reports' read plan (gateway.reporting) come from it.
COARSE_MODELS: list[tuple[int, type[RollupTotals], type[LatencyCounts]]] = [
    (3 * HOUR, EventRollup3h, LatencyRollup3h),
    (DAY, DailyEventRollup, DailyLatencyRollup),
]
COARSE: list[tuple[int, Table, Table]] = [
    (size, totals.__table__, latencies.__table__)  # type: ignore[attr-defined]
    for size, totals, latencies in COARSE_MODELS
]


def hour_of(created_at: float) -> int:
    """Start (unix seconds) of the hour holding `created_at`."""
    return int(created_at // HOUR) * HOUR


def tags_text(tags: Iterable[str]) -> str:
    """One spelling per tag set, so equal sets share rollup rows."""
    return json.dumps(sorted(tags))


def is_error(status: int, error: str) -> bool:
    """A request failed if the gateway answered >= 400 or the event records an error (e.g. a cut stream),
    unless the client cancelled it (499, the chat's Stop): that is its own category, not a failure."""
    return status != CANCELLED_STATUS and (status >= 400 or bool(error))


def add(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add newly inserted event rows to the rollups, on `conn`'s open transaction."""
    if not rows:
        return
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    latencies: dict[tuple[Any, ...], int] = {}
    for row in rows:
        hour, tags = hour_of(row["created_at"]), tags_text(row.get("tags") or ())
        user_id = row.get("user_id") or ""  # a line logged before events had users has none
        scopes: tuple[tuple[Any, ...], ...] = ((hour, row["key_id"], row["model"], tags, user_id),
                                                (hour, ALL, ALL, "[]", ""))
        for scope in scopes:
            total = totals.setdefault(scope, dict.fromkeys(_COUNTERS, 0))
            total["requests"] += 1
            total["prompt_token_count"] += row["prompt_token_count"]
            total["completion_token_count"] += row["completion_token_count"]
            total["cost_in_usd"] += row["cost_in_usd"]
            total["latency_sum_ms"] += row["latency_in_ms"]
            total["error_count"] += is_error(row["status"], row.get("error") or "")
            total["cancelled_count"] += row["status"] == CANCELLED_STATUS
            total["cache_hit_count"] += bool(row.get("cache_hit"))
        bin_index = bin_of(row["latency_in_ms"])
        for bin_scope in ((row["key_id"], user_id, hour, tags, bin_index), (ALL, "", hour, "[]", bin_index)):
            latencies[bin_scope] = latencies.get(bin_scope, 0) + 1
    levels = [(ROLLUPS, LATENCIES, totals, latencies)] + [
        (table, latency_table, _coarser(totals, _ROLLUP_KEY.index("bucket_start"), size, _plus),
         _coarser(latencies, _LATENCY_KEY.index("bucket_start"), size, int.__add__))
        for size, table, latency_table in COARSE]
    # Sorted, and the tables in one order, so that concurrent writers lock rollup rows in one order and
    # cannot deadlock.
    for table, latency_table, level_totals, level_latencies in levels:
        _upsert(conn, table, _ROLLUP_KEY, _COUNTERS,
                [dict(zip(_ROLLUP_KEY, key, strict=True), **total) for key, total in sorted(level_totals.items())])
        _upsert(conn, latency_table, _LATENCY_KEY, ("count",),
                [{**dict(zip(_LATENCY_KEY, key, strict=True)), "count": n} for key, n in sorted(level_latencies.items())])


def _plus(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {c: a[c] + b[c] for c in a}


def _coarser(hourly: dict[tuple[Any, ...], V], at: int, size: int, plus: Callable[[V, V], V]) -> dict[tuple[Any, ...], V]:
    """The same rollup keyed by blocks of `size` seconds instead of hours (`at`: the hour's place in a key)."""
    out: dict[tuple[Any, ...], V] = {}
    for key, value in hourly.items():
        block_key = (*key[:at], key[at] - key[at] % size, *key[at + 1:])
        out[block_key] = plus(out[block_key], value) if block_key in out else value
    return out


def _upsert(conn: Connection, table: Table, key: Sequence[str], counters: Sequence[str],
            rows: list[dict[str, Any]]) -> None:
    """Insert rows, or add their counters to the stored row with the same key."""
    insert = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=list(key), set_={c: table.c[c] + insert.excluded[c] for c in counters}
    )
    conn.execute(stmt, rows)


def backfill(conn: Connection) -> None:
    """Roll up every stored event into the hourly tables with INSERT … SELECT (the migration on an existing
    table, bulk loads); the rollup tables must be empty. Migration 0002 runs this before events had users: all
    count as "". `backfill_coarse` then sums them per 3 hours and per day."""
    events = Event.__table__  # type: ignore[attr-defined]
    hour = (func.floor(events.c.created_at / HOUR) * HOUR).cast(BigInteger)
    tags = events.c.tags.cast(Text)
    # Latency rollups got users in 0006, after events (0005): with that column, events have theirs too.
    with_users = any(c["name"] == "user_id" for c in inspect(conn).get_columns("latency_rollups"))
    user = events.c.user_id if with_users else literal("")
    by_user = [events.c.user_id] if with_users else []
    failed = and_(events.c.status != CANCELLED_STATUS, or_(events.c.status >= 400, events.c.error != ""))
    totals = select(
        hour, events.c.key_id, events.c.model, tags, user, func.count(),
        func.sum(events.c.prompt_token_count), func.sum(events.c.completion_token_count),
        func.sum(events.c.cost_in_usd), func.sum(events.c.latency_in_ms),
        func.sum(case((failed, 1), else_=0)), func.sum(case((events.c.status == CANCELLED_STATUS, 1), else_=0)),
        func.sum(case((events.c.cache_hit == true(), 1), else_=0)),
    ).group_by(hour, events.c.key_id, events.c.model, tags, *by_user)
    conn.execute(ROLLUPS.insert().from_select([*_ROLLUP_KEY, *_COUNTERS], totals))
    backfill_all_rows(conn)
    latency_bin = bin_sql(events.c.latency_in_ms)
    columns = [c for c in (*_LATENCY_KEY, "count") if with_users or c != "user_id"]
    per_key = select(events.c.key_id, *by_user, hour, tags, latency_bin, func.count()).group_by(
        events.c.key_id, *by_user, hour, tags, latency_bin)
    blank = [literal("")] if with_users else []
    every = select(literal(ALL), *blank, hour, literal("[]"), latency_bin, func.count()).group_by(hour, latency_bin)
    for query in (per_key, every):
        conn.execute(LATENCIES.insert().from_select(columns, query, include_defaults=False))


def backfill_all_rows(conn: Connection) -> None:
    """Add the "*" rows (every event of an hour) to hourly rollups that have none yet (migration 0007)."""
    if conn.execute(select(ROLLUPS.c.key_id).where(ROLLUPS.c.key_id == ALL).limit(1)).first() is not None:
        return
    query = select(ROLLUPS.c.bucket_start, literal(ALL), literal(ALL), literal("[]"), literal(""),
                   *(func.sum(ROLLUPS.c[c]) for c in _COUNTERS)).group_by(ROLLUPS.c.bucket_start)
    conn.execute(ROLLUPS.insert().from_select([*_ROLLUP_KEY, *_COUNTERS], query))


def backfill_coarse(conn: Connection) -> None:
    """Sum the hourly rollups per 3 hours and per day into the empty coarser tables (migration 0007, bulk loads)."""
    for size, table, latency_table in COARSE:
        for hourly, coarse, key, counters in ((ROLLUPS, table, _ROLLUP_KEY, _COUNTERS),
                                              (LATENCIES, latency_table, _LATENCY_KEY, ("count",))):
            block = hourly.c.bucket_start - hourly.c.bucket_start % size
            columns = [block if name == "bucket_start" else hourly.c[name] for name in key]
            query = select(*columns, *(func.sum(hourly.c[c]) for c in counters)).group_by(*columns)
            conn.execute(coarse.insert().from_select([*key, *counters], query))
