"""The event recorder logs every event (fsynced) before writing it, survives outages and crashes, never doubles."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
from sqlalchemy import create_engine, text

from common.columns import new_id
from common.db import make_engine
from gateway.event import ProxyEvent
from gateway.events import EventRecorder, write_rows
from gateway.migrate import upgrade
from gateway.models import Event


def _event(key_id: str = "k", cost: float = 0.01) -> ProxyEvent:
    return ProxyEvent(id=new_id(), created_at=time.time(), key_id=key_id, provider="p", model="m",
                      path="/v1/chat/completions", method="POST", status=200, latency_in_ms=1.0,
                      prompt_token_count=1, completion_token_count=2, cost_in_usd=cost, upstream="u")


def _row() -> dict[str, Any]:
    return _event().row()


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM events")).scalar_one()


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    return engine


def test_rewriting_a_batch_never_doubles(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    rows = [_row() for _ in range(5)]
    write_rows(engine, rows)
    write_rows(engine, [*rows, _row()])
    assert _count(engine) == 6


def _logged(spool: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted(spool.glob("events-*.jsonl")) for line in p.read_text().splitlines()]


DEAD = "sqlite:////nonexistent-dir/for/sure/db.sqlite"


async def test_outage_keeps_events_in_the_log_and_all_arrive_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    recorder = EventRecorder(create_engine(DEAD), str(spool), batch_size=10, interval_s=0.05, memory_limit=20)
    events = [_event() for _ in range(50)]
    for start in range(0, 50, 10):  # five group commits, five log segments
        for event in events[start : start + 10]:
            recorder.record(event)
        assert not await recorder.flush()
    assert [row["id"] for row in _logged(spool)] == [e.id for e in events]
    assert recorder.pending_cost("k") == pytest.approx(20 * 0.01)  # memory keeps the newest 20 of the log
    recorder._engine = engine  # the database is back
    assert await recorder.flush()
    assert _count(engine) == 50 and not _logged(spool)
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT id FROM events"))}
    assert ids == {e.id for e in events}


async def test_recorded_events_reach_the_log_within_one_interval_without_any_flush(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    recorder = EventRecorder(create_engine(DEAD), str(spool), batch_size=1000, interval_s=0.05, memory_limit=1000)
    recorder.start()
    try:
        events = [_event() for _ in range(7)]
        for event in events:
            recorder.record(event)
        deadline = time.monotonic() + 5
        while len(_logged(spool)) < 7 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert [row["id"] for row in _logged(spool)] == [e.id for e in events]
    finally:
        await recorder.stop()


async def test_a_live_process_log_is_left_alone_and_a_dead_one_is_replayed_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    crashed = EventRecorder(create_engine(DEAD), str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    events = [_event() for _ in range(5)]
    for event in events:
        crashed.record(event)
    await crashed._commit()  # logged; the process "crashes" before writing them
    other = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    assert await other.flush() and _count(engine) == 0  # its owner still holds its lock: not ours to replay
    assert crashed._log._lock_file is not None
    crashed._log._lock_file.close()  # what the kernel does when a process dies, SIGKILL included
    assert await other.flush() and _count(engine) == 5
    assert not list(spool.iterdir())
    third = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    assert await third.flush() and _count(engine) == 5


async def test_stop_leaves_what_the_database_cannot_take_and_next_start_writes_it(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    first = EventRecorder(create_engine(DEAD), str(spool), batch_size=10, interval_s=0.05, memory_limit=1000)
    first.start()
    for _ in range(7):
        first.record(_event())
    await first.stop()
    assert len(_logged(spool)) == 7
    second = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=1000)
    assert await second.flush()
    assert _count(engine) == 7


async def test_a_row_the_database_refuses_is_set_aside_and_the_rest_written(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    recorder = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    bad = replace(_event(), created_at=None)  # type: ignore[arg-type]  # a row the database refuses
    for event in [_event(), bad, _event()]:
        recorder.record(event)
    assert await recorder.flush()
    assert _count(engine) == 2
    assert json.loads((spool / "rejected.jsonl").read_text())["id"] == bad.id
    recorder.record(_event())
    assert await recorder.flush() and _count(engine) == 3


async def test_torn_line_is_skipped_and_an_ownerless_log_is_written(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    spool.mkdir()
    good = _row()
    (spool / "events-1.jsonl").write_text(json.dumps(good) + "\n" + '{"id": "torn', encoding="utf-8")
    recorder = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    assert await recorder.flush()
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT id FROM events"))}
    assert ids == {good["id"]} and not list(spool.iterdir())


async def test_an_unwritable_log_keeps_events_in_memory_until_it_can_be_written(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    spool.write_text("a file where the log directory should be")
    recorder = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    events = [_event() for _ in range(3)]
    for event in events:
        recorder.record(event)
    await recorder._commit()
    assert recorder.pending_cost("k") == pytest.approx(0.03) and _count(engine) == 0
    spool.unlink()
    assert await recorder.flush() and _count(engine) == 3


def test_the_event_type_and_the_events_table_name_the_same_columns() -> None:
    """ProxyEvent.row() is inserted as is: a field the table lacks (or a nullable mismatch) would lose events."""
    table = Event.__table__  # type: ignore[attr-defined]
    hints = get_type_hints(ProxyEvent)
    assert sorted(f.name for f in fields(ProxyEvent)) == sorted(table.columns.keys())
    for column in table.columns:
        assert column.nullable == (type(None) in get_args(hints[column.name])), column.name
