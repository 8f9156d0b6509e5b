"""The event recorder writes batches, survives a database outage via memory and spool, and never doubles."""

from __future__ import annotations

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


async def test_outage_spills_to_spool_and_all_arrive_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    dead = create_engine("sqlite:////nonexistent-dir/for/sure/db.sqlite")
    spool = tmp_path / "spool"
    recorder = EventRecorder(dead, str(spool), batch_size=10, interval_s=0.05, memory_limit=20)
    events = [_event() for _ in range(50)]
    for event in events:
        recorder.record(event)
    assert not await recorder.flush()
    spooled = sum(len(p.read_text().splitlines()) for p in spool.iterdir())
    assert spooled == 30  # memory holds the newest 20, the rest is on disk
    assert recorder.pending_cost("k") == pytest.approx(20 * 0.01)
    recorder._engine = engine  # the database is back
    assert await recorder.flush()
    assert _count(engine) == 50 and not list(spool.iterdir())
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT id FROM events"))}
    assert ids == {e.id for e in events}


async def test_stop_spools_what_the_database_cannot_take_and_next_start_writes_it(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    dead = create_engine("sqlite:////nonexistent-dir/for/sure/db.sqlite")
    spool = tmp_path / "spool"
    first = EventRecorder(dead, str(spool), batch_size=10, interval_s=0.05, memory_limit=1000)
    first.start()
    for _ in range(7):
        first.record(_event())
    await first.stop()
    assert sum(len(p.read_text().splitlines()) for p in spool.glob("*.jsonl")) == 7
    second = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=1000)
    assert await second.flush()
    assert _count(engine) == 7


def test_spool_lines_are_plain_json(tmp_path: Path) -> None:
    dead = create_engine("sqlite:////nonexistent-dir/for/sure/db.sqlite")
    recorder = EventRecorder(dead, str(tmp_path), batch_size=10, interval_s=1, memory_limit=1)
    recorder.record(_event())
    recorder.record(_event("other"))
    line = next(tmp_path.glob("*.jsonl")).read_text().splitlines()[0]
    assert json.loads(line)["key_id"] == "k"


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


async def test_torn_spool_line_is_skipped_and_orphaned_claims_are_written(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    spool = tmp_path / "spool"
    spool.mkdir()
    good = _row()
    (spool / "events-1.jsonl").write_text(json.dumps(good) + "\n" + '{"id": "torn', encoding="utf-8")
    orphan = _row()
    (spool / "events-2.jsonl.999999999.claimed").write_text(json.dumps(orphan) + "\n", encoding="utf-8")
    recorder = EventRecorder(engine, str(spool), batch_size=10, interval_s=0.05, memory_limit=100)
    assert await recorder.flush()
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT id FROM events"))}
    assert ids == {good["id"], orphan["id"]} and not list(spool.iterdir())


def test_the_event_type_and_the_events_table_name_the_same_columns() -> None:
    """ProxyEvent.row() is inserted as is: a field the table lacks (or a nullable mismatch) would lose events."""
    table = Event.__table__  # type: ignore[attr-defined]
    hints = get_type_hints(ProxyEvent)
    assert sorted(f.name for f in fields(ProxyEvent)) == sorted(table.columns.keys())
    for column in table.columns:
        assert column.nullable == (type(None) in get_args(hints[column.name])), column.name
