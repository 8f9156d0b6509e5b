"""Reports from rollups against the raw events they summarise, on PostgreSQL and SQLite, with random events."""

from __future__ import annotations

import math
import random
import statistics
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select as select_columns  # more than four columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from common.db import make_engine
from common.settings import Settings
from gateway import models, reporting, retention, rollups
from gateway.event import ProxyEvent
from gateway.event_search import EventFilter
from gateway.events import EventRecorder, write_rows
from gateway.models import Event, Key
from tests.integration.conftest import migrate
from tests.support import TcpRelay, create_database, drop_database

HOUR, DAY = 3600, 86_400
T0 = 1_700_000_000 - 1_700_000_000 % DAY  # a midnight: windows from here are aligned to hours
KEYS = [f"key-{i}" for i in range(5)]
TAG_SETS = [[], ["a"], ["a", "b"], ["b"]]


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated database of each kind, with the keys the events belong to."""
    url = create_database() if request.param == "postgresql" else f"sqlite:///{tmp_path / 'rollups.db'}"
    migrate(url)
    eng = make_engine(url)
    with Session(eng) as db:
        db.add_all(Key(key_id=k, name=k, key_hash=uuid.uuid4().hex) for k in KEYS)
        db.commit()
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        drop_database(url)


def random_events(rng: random.Random, n: int, start: float, span_s: float) -> list[dict[str, Any]]:
    """Event rows as the recorder writes them, with awkward values: zero latency, errors, cancels, no key."""
    rows = []
    for _ in range(n):
        status = rng.choice([200, 200, 200, 200, 429, 499, 500])
        latency = 0.0 if rng.random() < 0.03 else round(rng.lognormvariate(5, 1.6), 3) + 0.001
        rows.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "created_at": start + rng.random() * span_s,
            "key_id": rng.choice([*KEYS, ""]), "tags": rng.choice(TAG_SETS), "provider": "p",
            "model": rng.choice(["m1", "m2", "m3"]), "path": "/v1/chat/completions", "method": "POST",
            "status": status, "latency_in_ms": latency, "stream": rng.random() < 0.5,
            "prompt_token_count": rng.randint(0, 4000), "completion_token_count": rng.randint(0, 2000),
            "cost_in_usd": rng.random() / 100, "cache_hit": rng.random() < 0.1,
            "error": "stream cut" if status == 200 and rng.random() < 0.05 else "",
            "request": '{"m": 1}' if rng.random() < 0.2 else None, "response": None,
        })
    return rows


def rolled_up(db: Session) -> tuple[int, int]:
    """Events counted by the hourly rollups of keys, and by the hourly "*" rows of all events."""
    return tuple(db.exec(select(func.sum(models.EventRollup.requests)).where(where)).one()  # type: ignore[return-value]
                 for where in (col(models.EventRollup.key_id) != "*", col(models.EventRollup.key_id) == "*"))


def write_with_replays(engine: Engine, rng: random.Random, rows: list[dict[str, Any]]) -> None:
    """Write in batches, sending some batches again (as after a crash or a spool replay) and some rows twice."""
    batches = [rows[i:i + 150] for i in range(0, len(rows), 150)]
    for i, batch in enumerate(batches):
        write_rows(engine, batch)
        if rng.random() < 0.3:
            write_rows(engine, batch)  # the whole batch again
        if i and rng.random() < 0.3:
            write_rows(engine, rng.sample(batches[i - 1], 20) + batch[:5])  # a mix of old rows only


def _matches(row: dict[str, Any], key_ids: list[str], tags: list[str]) -> bool:
    return (not key_ids or row["key_id"] in key_ids) and set(tags) <= set(row["tags"])


def _exact_percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def assert_point(point: reporting.DataPoint, rows: list[dict[str, Any]]) -> None:
    """Counts and tokens exactly; cost to float rounding; percentiles within the histogram's 1 %."""
    assert point.number_of_requests == len(rows)
    assert point.prompt_token_count == sum(r["prompt_token_count"] for r in rows)
    assert point.completion_token_count == sum(r["completion_token_count"] for r in rows)
    assert point.error_count == sum(1 for r in rows if r["status"] != 499 and (r["status"] >= 400 or r["error"]))  # a cancel is no error
    assert point.cancelled_count == sum(1 for r in rows if r["status"] == 499)
    assert point.cache_hit_count == sum(1 for r in rows if r["cache_hit"])
    assert point.cost_in_usd == pytest.approx(math.fsum(r["cost_in_usd"] for r in rows), rel=1e-12, abs=1e-15)
    if not rows:
        assert point.latency_in_ms_median == point.latency_in_ms_99th == 0
        return
    latencies = [r["latency_in_ms"] for r in rows]
    assert point.latency_in_ms == pytest.approx(statistics.fmean(latencies), rel=1e-9)
    for q, got in ((0.5, point.latency_in_ms_median), (0.95, point.latency_in_ms_95th), (0.99, point.latency_in_ms_99th)):
        exact = _exact_percentile(latencies, q)
        assert abs(got - exact) <= 0.01 * exact + 1e-9, (q, got, exact)


def check_report(engine: Engine, rows: list[dict[str, Any]], start: int, end: int, increment: int,
                 key_ids: list[str] | None = None, tags: list[str] | None = None) -> None:
    key_ids, tags = key_ids or [], tags or []
    with Session(engine) as db:
        report = reporting.report_events(db, EventFilter(key_ids=key_ids, tags=tags), start, end, increment)
    assert len(report.data_points) == math.ceil((end - start) / increment)
    for point in report.data_points:
        lo, hi = point.time_stamp, min(point.time_stamp + increment, end)
        assert_point(point, [r for r in rows if lo <= r["created_at"] < hi and _matches(r, key_ids, tags)])


def check_totals(engine: Engine, rows: list[dict[str, Any]], start: float | None, end: float | None) -> None:
    """Top keys, top models and one key's usage equal the raw sums over [start, end)."""
    inside = [r for r in rows if (start is None or r["created_at"] >= start) and (end is None or r["created_at"] < end)]
    with Session(engine) as db:
        keys = {u.key_id: u for u in reporting.top_keys(db, start, end, 100)}
        models = {u.model: u for u in reporting.top_models(db, start, end, 100)}
        one = reporting.key_usage(db, KEYS[0], start, end)
    for attr, found in (("key_id", keys), ("model", models)):
        values = {r[attr] for r in inside if r[attr]}
        assert set(found) == values
        for value in values:
            mine = [r for r in inside if r[attr] == value]
            assert found[value].requests == len(mine)
            assert found[value].prompt_token_count == sum(r["prompt_token_count"] for r in mine)
            assert found[value].cost_in_usd == pytest.approx(math.fsum(r["cost_in_usd"] for r in mine), rel=1e-12)
    assert one.requests == sum(1 for r in inside if r["key_id"] == KEYS[0])
    costs = [u.cost_in_usd for u in keys.values()]
    assert costs == sorted(costs, reverse=True)


def test_reports_from_rollups_equal_the_raw_events(engine: Engine) -> None:
    rng = random.Random(12)
    rows = random_events(rng, 3000, T0, 3 * DAY)
    write_with_replays(engine, rng, rows)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(Event)).one() == len(rows)
        assert rolled_up(db) == (len(rows), len(rows))  # each event rolled up once, and once in its hour's "*" row

    check_report(engine, rows, T0, T0 + 3 * DAY, DAY)  # aligned: rollups only
    check_report(engine, rows, T0, T0 + 3 * DAY, 6 * HOUR, key_ids=KEYS[1:3], tags=["a"])
    check_report(engine, rows, T0, T0 + 3 * DAY, 3 * DAY, tags=["b"])
    # Unaligned: whole hours from rollups, straddling hours and the window's edges from raw events.
    check_report(engine, rows, T0 + 1234, T0 + 2 * DAY + 17, 5000)
    check_report(engine, rows, T0 + 1234, T0 + 2 * DAY + 17, 5000, key_ids=[KEYS[0], ""], tags=["a", "b"])
    check_report(engine, rows, T0 + 30 * 60, T0 + 5 * HOUR, 60)  # minute buckets: raw events only
    # Days, 3-hour blocks, hours and raw edges in one report: the first bucket holds the whole second day.
    check_report(engine, rows, T0 + 1234, T0 + 3 * DAY - 17, 2 * DAY)
    check_report(engine, rows, T0 + 5 * HOUR, T0 + 3 * DAY, DAY + HOUR, key_ids=KEYS[2:4], tags=["a"])
    check_report(engine, rows, T0 + 22 * HOUR, T0 + 3 * DAY, 12 * HOUR)  # the dashboard's 30 days, at UTC+2
    check_totals(engine, rows, None, None)
    check_totals(engine, rows, T0 + 999.5, T0 + DAY + 3 * HOUR + 1)
    check_totals(engine, rows, T0 + 999.5, T0 + 2 * DAY + 3 * HOUR + 1)
    assert_coarse_rollups_sum_the_hours(engine)


def assert_coarse_rollups_sum_the_hours(engine: Engine) -> None:
    """Each 3-hourly and daily rollup row holds the sums of its hourly rows (counts, exactly)."""
    for size, hourly, coarse, columns in (
            (3 * HOUR, models.EventRollup, models.EventRollup3h, ("requests", "prompt_token_count", "error_count")),
            (DAY, models.EventRollup, models.DailyEventRollup, ("requests", "prompt_token_count", "error_count")),
            (3 * HOUR, models.LatencyRollup, models.LatencyRollup3h, ("count",)), (DAY, models.LatencyRollup, models.DailyLatencyRollup, ("count",))):
        keys = [c.name for c in hourly.__table__.primary_key if c.name != "bucket_start"]  # type: ignore[attr-defined]
        block = col(hourly.bucket_start) - col(hourly.bucket_start) % size
        with Session(engine) as db:
            summed = db.exec(select_columns(block, *(getattr(hourly, k) for k in keys),
                                            *(func.sum(getattr(hourly, c)) for c in columns))
                             .group_by(block, *(getattr(hourly, k) for k in keys))).all()
            stored = db.exec(select_columns(coarse.bucket_start, *(getattr(coarse, k) for k in keys),
                                            *(getattr(coarse, c) for c in columns))).all()
        assert sorted(map(tuple, summed)) == sorted(map(tuple, stored))


def test_fresh_events_join_the_rollups_they_belong_to(engine: Engine) -> None:
    """A report, then more events in the same and later hours (some replayed): the next report counts all once."""
    rng = random.Random(7)
    first = random_events(rng, 800, T0, DAY)
    write_with_replays(engine, rng, first)
    check_report(engine, first, T0, T0 + 2 * DAY, HOUR)
    fresh = random_events(rng, 600, T0 + DAY - 2 * HOUR, 4 * HOUR)  # half in hours already rolled up
    write_with_replays(engine, rng, fresh)
    write_rows(engine, first[:300])  # an old spool replayed late
    check_report(engine, first + fresh, T0, T0 + 2 * DAY, HOUR)
    check_report(engine, first + fresh, T0 + 7, T0 + 2 * DAY - 7, 7 * HOUR)


def test_retention_keeps_rollups_and_old_windows_keep_their_totals(engine: Engine) -> None:
    rng = random.Random(99)
    now = T0 + 200 * DAY + 5 * HOUR
    old = random_events(rng, 1200, T0, 2 * DAY)  # ~200 days old
    recent = random_events(rng, 400, now - 10 * DAY, 9 * DAY)  # bodies too old, events kept
    write_rows(engine, old + recent)
    with Session(engine) as db:
        before = reporting.report_events(db, EventFilter(), T0, T0 + 2 * DAY, DAY)
    settings = Settings.load(events_retention_days=30, event_bodies_retention_days=7).gateway
    deleted, cleared = retention.apply(engine, settings, now=now, batch=97)  # several small batches
    assert deleted == len(old)
    assert cleared == sum(1 for r in recent if r["request"] is not None and r["created_at"] < now - 7 * DAY)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(Event)).one() == len(recent)
        assert db.exec(select(func.count()).select_from(Event).where(
            col(Event.created_at) < now - 7 * DAY, col(Event.request).is_not(None))).one() == 0
        after = reporting.report_events(db, EventFilter(), T0, T0 + 2 * DAY, DAY)
        assert after == before
        # An unaligned window before the horizon still counts every event of its whole hours.
        loose = reporting.report_events(db, EventFilter(), T0 - 100, T0 + 2 * DAY + 100, 2 * DAY + 200)
        assert loose.data_points[0].number_of_requests == len(old)
    check_report(engine, old + recent, T0, T0 + 2 * DAY, DAY, key_ids=KEYS[:2])
    check_report(engine, recent, now - 10 * DAY - 1000, now, 3 * HOUR + 1)
    check_totals(engine, old, T0, T0 + 2 * DAY)
    check_totals(engine, old + recent, None, None)


@pytest.mark.asyncio
async def test_events_of_an_outage_replayed_later_land_once_in_their_hours(tmp_path: Path) -> None:
    """The recorder keeps events while PostgreSQL is unreachable (memory, then its spool file); some were
    already written before the outage hid the answer. After the database returns, every event is in
    the rollup of the hour it happened in, exactly once."""
    url = create_database()
    relay = TcpRelay("127.0.0.1", 5432)
    direct = make_engine(url)
    relayed = make_engine(url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}"))
    try:
        migrate(url)
        recorder = EventRecorder(relayed, str(tmp_path / "spool"), batch_size=40, interval_s=0.1, memory_limit=60)
        rng = random.Random(3)
        rows = random_events(rng, 400, T0, 6 * HOUR)
        write_rows(direct, rows[:50])
        relay.cut()
        for row in rows:
            recorder.record(ProxyEvent(**{**row, "tags": tuple(row["tags"])}))
        assert not await recorder.flush()  # the database is away: nothing written, nothing dropped
        assert list((tmp_path / "spool").glob("events-*.jsonl")), "events past the memory limit go to the spool"
        write_rows(direct, rows[100:130])  # another writer got some of them in meanwhile
        relay.restore()
        assert await recorder.flush()
        await recorder.stop()
        check_report(direct, rows, T0, T0 + 6 * HOUR, HOUR)
        check_report(direct, rows, T0 + 100, T0 + 6 * HOUR - 100, 1000)
        with Session(direct) as db:
            assert rolled_up(db) == (len(rows), len(rows))
    finally:
        relay.close()
        relayed.dispose()
        direct.dispose()
        drop_database(url)


def test_backfill_builds_the_rollups_the_writer_keeps(engine: Engine) -> None:
    """Rollups rebuilt from stored events (migrations, bulk loads) equal those the event writer kept."""
    rng = random.Random(5)
    write_with_replays(engine, rng, random_events(rng, 1500, T0 + 5 * HOUR, 2 * DAY))
    tables = [models.EventRollup, models.EventRollup3h, models.DailyEventRollup, models.LatencyRollup, models.LatencyRollup3h, models.DailyLatencyRollup]

    def snapshot() -> list[list[tuple[Any, ...]]]:
        with Session(engine) as db:
            return [sorted(tuple(round(v, 6) if isinstance(v, float) else v for v in row)
                           for row in db.exec(select_columns(*t.__table__.columns)).all())  # type: ignore[attr-defined]
                    for t in tables]

    kept = snapshot()
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.__table__.delete())  # type: ignore[attr-defined]
        rollups.backfill(conn)
        rollups.backfill_coarse(conn)
    assert snapshot() == kept
