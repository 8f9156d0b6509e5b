"""Charts that tell the truth: buckets on clock boundaries, the same round-time ticks on every chart,
and a request the client stopped (499) counted as cancelled, not as an error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel

from common.db import make_engine
from dictachat.admin.state import format as fmt
from dictachat.admin.state.overview import chart_rows, counts, ticks, totals
from gateway.event_search import EventFilter
from gateway.models import Event
from gateway.reporting import report_events

# UTC, a whole-hour offset with summer time, and a half-hour offset (where UTC-aligned 3-hour
# buckets would start at 02:30, 05:30 …).
ZONES = ["UTC", "Asia/Jerusalem", "Asia/Kolkata"]
NOW = 1_764_751_234.5  # an odd moment: 2025-12-03, seconds and minutes not round anywhere


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("window", "boundary"), [
    ("1h", lambda m: m.second == 0),
    ("24h", lambda m: m.second == 0 and m.minute in (0, 30)),
    ("7d", lambda m: m.second == 0 and m.minute == 0 and m.hour % 3 == 0),
    ("30d", lambda m: m.second == 0 and m.minute == 0 and m.hour in (0, 12)),
])
def test_buckets_start_on_local_clock_boundaries(zone: str, window: str, boundary) -> None:  # type: ignore[no-untyped-def]
    start, end, step = fmt.span(window, now=NOW)
    assert start <= NOW - fmt.WINDOWS[window][0] < start + step  # the whole window is covered
    assert end > NOW
    for bucket in range(start, end, step):
        assert boundary(datetime.fromtimestamp(bucket)), (zone, window, datetime.fromtimestamp(bucket))


def test_custom_ranges_align_too(zone: str) -> None:
    start, _, step = fmt.span("custom", "2025-11-20T07:41", "2025-11-23T19:02")
    assert step == 3 * 3600
    moment = datetime.fromtimestamp(start)
    assert (moment.hour % 3, moment.minute) == (0, 0) and moment <= datetime(2025, 11, 20, 7, 41)


@pytest.mark.parametrize(("window", "tick_at"), [
    ("1h", lambda m: m.minute % 10 == 0),
    ("24h", lambda m: m.minute == 0 and m.hour % 3 == 0),
    ("7d", lambda m: (m.hour, m.minute) == (0, 0)),
])
def test_ticks_fall_on_round_clock_times_and_are_shared(zone: str, window: str, tick_at) -> None:  # type: ignore[no-untyped-def]
    start, end, step = fmt.span(window, now=NOW)
    points = [{"timeStamp": t, "numberOfRequests": 0} for t in range(start, end, step)]
    rows = chart_rows(points, step)  # type: ignore[arg-type]
    labels = ticks(rows)
    assert 4 <= len(labels) <= 9, labels  # readable: neither crowded nor bare
    by_label = {row["label"]: row for row in rows}
    assert len(by_label) == len(rows)  # every bucket's label is unique
    starts = dict(zip((r["label"] for r in rows), range(start, end, step), strict=True))
    assert all(tick_at(datetime.fromtimestamp(starts[label])) for label in labels)
    # Every chart of the page reads the same `ticks` list; a second computation gives the same.
    assert ticks(chart_rows(points, step)) == labels  # type: ignore[arg-type]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'events.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def test_a_request_the_client_stopped_is_cancelled_not_an_error(db: Session) -> None:
    base = 1_764_720_000  # a whole hour
    db.add_all([
        Event(created_at=base + 10, status=200, latency_in_ms=100),
        Event(created_at=base + 20, status=499, latency_in_ms=900, stream=True,
              error="The client closed the connection before the stream ended."),
        Event(created_at=base + 30, status=502, latency_in_ms=50, error="upstream down"),
        Event(created_at=base + 40, status=200, latency_in_ms=300, stream=True, error="the stream ended early"),
    ])
    db.commit()
    report = report_events(db, EventFilter(), base, base + 3600, 600)
    (first, *rest) = report.data_points
    assert (first.number_of_requests, first.error_count, first.cancelled_count) == (4, 2, 1)
    assert all(p.number_of_requests == 0 for p in rest)

    as_json = {"dataPoints": [{"timeStamp": p.time_stamp, "numberOfRequests": p.number_of_requests,
                               "errorCount": p.error_count, "cancelledCount": p.cancelled_count}
                              for p in report.data_points]}
    assert totals(as_json)["error_rate"] == "50.0%"  # 2 of 4; the Stop is not among them
    assert counts(as_json)["cancelled"] == 1
    row = chart_rows(as_json["dataPoints"], 600)[0]  # type: ignore[arg-type]
    assert (row["succeeded"], row["errors"], row["cancelled"]) == (1, 2, 1)
    assert report.latency_in_ms_95th > report.latency_in_ms_median  # the card's p95 comes with the report
