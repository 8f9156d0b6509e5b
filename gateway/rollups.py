"""Hourly rollups of events, maintained in the transaction that inserts them (so each event counts once).

`add` is called by the event writer with the rows it actually inserted; it adds their totals to
`event_rollups` (per hour, key, model, tag set and user) and their latencies to `latency_rollups` (per
hour, key, user and tag set, plus "*" rows for all events of the hour). Reports read these instead of
raw events; so do the spend counters of keys and users (gateway.reporting).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Table, Text, and_, case, func, inspect, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from gateway.histogram import bin_of, bin_sql
from gateway.models import Event, EventRollup, LatencyRollup

HOUR = 3600
ALL = "*"  # key_id of the latency rows that count every event of an hour (their tags are "[]")
CANCELLED_STATUS = 499  # the client went away before the answer ended

_COUNTERS = ("requests", "prompt_token_count", "completion_token_count", "cost_in_usd", "latency_sum_ms",
             "error_count", "cancelled_count", "cache_hit_count")
_ROLLUP_KEY = ("bucket_start", "key_id", "model", "tags", "user_id")
_LATENCY_KEY = ("key_id", "user_id", "bucket_start", "tags", "bin")

ROLLUPS: Table = EventRollup.__table__  # type: ignore[attr-defined]  # set by SQLModel at runtime
LATENCIES: Table = LatencyRollup.__table__  # type: ignore[attr-defined]


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
        key = (hour, row["key_id"], row["model"], tags, user_id)
        total = totals.setdefault(key, dict.fromkeys(_COUNTERS, 0))
        total["requests"] += 1
        total["prompt_token_count"] += row["prompt_token_count"]
        total["completion_token_count"] += row["completion_token_count"]
        total["cost_in_usd"] += row["cost_in_usd"]
        total["latency_sum_ms"] += row["latency_in_ms"]
        total["error_count"] += is_error(row["status"], row.get("error") or "")
        total["cancelled_count"] += row["status"] == CANCELLED_STATUS
        total["cache_hit_count"] += bool(row.get("cache_hit"))
        bin_index = bin_of(row["latency_in_ms"])
        for scope in ((row["key_id"], user_id, hour, tags, bin_index), (ALL, "", hour, "[]", bin_index)):
            latencies[scope] = latencies.get(scope, 0) + 1
    # Sorted, so that concurrent writers lock rollup rows in one order and cannot deadlock.
    _upsert(conn, ROLLUPS, _ROLLUP_KEY, _COUNTERS,
            [dict(zip(_ROLLUP_KEY, key, strict=True), **total) for key, total in sorted(totals.items())])
    _upsert(conn, LATENCIES, _LATENCY_KEY, ("count",),
            [{**dict(zip(_LATENCY_KEY, key, strict=True)), "count": n} for key, n in sorted(latencies.items())])


def _upsert(conn: Connection, table: Table, key: Sequence[str], counters: Sequence[str],
            rows: list[dict[str, Any]]) -> None:
    """Insert rows, or add their counters to the stored row with the same key."""
    insert = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=list(key), set_={c: table.c[c] + insert.excluded[c] for c in counters}
    )
    conn.execute(stmt, rows)


def backfill(conn: Connection) -> None:
    """Roll up every stored event with INSERT … SELECT (the migration on an existing table, bulk loads);
    the rollup tables must be empty. Migration 0002 runs this before events had users: all count as ""."""
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
    latency_bin = bin_sql(events.c.latency_in_ms)
    columns = [c for c in (*_LATENCY_KEY, "count") if with_users or c != "user_id"]
    per_key = select(events.c.key_id, *by_user, hour, tags, latency_bin, func.count()).group_by(
        events.c.key_id, *by_user, hour, tags, latency_bin)
    blank = [literal("")] if with_users else []
    every = select(literal(ALL), *blank, hour, literal("[]"), latency_bin, func.count()).group_by(hour, latency_bin)
    for query in (per_key, every):
        conn.execute(LATENCIES.insert().from_select(columns, query, include_defaults=False))
