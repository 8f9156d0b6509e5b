"""Reports by user from rollups against the raw events, on PostgreSQL and SQLite: top users, a user's
series, and user spend (what cost limits are checked against) before and after retention."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from common.settings import Settings
from gateway import reporting, retention
from gateway.event_search import EventFilter
from gateway.events import write_rows
from gateway.manage.users import usage_of
from gateway.models import User
from gateway.user_limits import user_spend_since
from tests.integration import test_rollups as rollups
from tests.integration.test_rollups import DAY, HOUR, T0, assert_point, random_events, write_with_replays

engine = rollups.engine  # the fixture: a fresh migrated PostgreSQL or SQLite database with keys

USERS = ["u-ann", "u-bo", "u-cy", "u-gone"]  # u-gone has events but no account any more


def with_users(rng: random.Random, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each named for a user or (as from keys that vouch for no one) for nobody."""
    for row in rows:
        row["user_id"] = rng.choice([*USERS, "", ""])
    return rows


def add_accounts(engine: Engine) -> None:
    with Session(engine) as db:
        db.add_all(User(id=u, name=u.removeprefix("u-")) for u in USERS[:3])
        db.commit()


def check_top_users(engine: Engine, rows: list[dict[str, Any]], start: float | None, end: float | None) -> None:
    inside = [r for r in rows if (start is None or r["created_at"] >= start) and (end is None or r["created_at"] < end)]
    with Session(engine) as db:
        top = reporting.top_users(db, start, end, 100)
    assert [u.user_id for u in top] == sorted({r["user_id"] for r in inside if r["user_id"]},
                                              key=lambda u: -math.fsum(r["cost_in_usd"] for r in inside if r["user_id"] == u))
    for usage in top:
        mine = [r for r in inside if r["user_id"] == usage.user_id]
        assert usage.requests == len(mine)
        assert usage.prompt_token_count == sum(r["prompt_token_count"] for r in mine)
        assert usage.completion_token_count == sum(r["completion_token_count"] for r in mine)
        assert usage.cost_in_usd == pytest.approx(math.fsum(r["cost_in_usd"] for r in mine), rel=1e-12)
        assert usage.last_seen == max(r["created_at"] for r in mine)
        assert usage.name == ("" if usage.user_id == "u-gone" else usage.user_id.removeprefix("u-"))


def check_user_series(engine: Engine, rows: list[dict[str, Any]], start: int, end: int, increment: int,
                      user_ids: list[str]) -> None:
    with Session(engine) as db:
        report = reporting.report_events(db, EventFilter(user_ids=user_ids), start, end, increment)
    for point in report.data_points:
        lo, hi = point.time_stamp, min(point.time_stamp + increment, end)
        assert_point(point, [r for r in rows if lo <= r["created_at"] < hi and r["user_id"] in user_ids])


def test_top_users_and_user_series_equal_the_raw_events(engine: Engine) -> None:
    rng = random.Random(31)
    rows = with_users(rng, random_events(rng, 2500, T0, 2 * DAY))
    write_with_replays(engine, rng, rows)
    add_accounts(engine)
    check_top_users(engine, rows, None, None)
    check_top_users(engine, rows, T0 + 1234.5, T0 + DAY + 5 * HOUR + 17)  # straddling hours from raw events
    check_user_series(engine, rows, T0, T0 + 2 * DAY, 6 * HOUR, ["u-ann"])  # aligned: rollups only
    check_user_series(engine, rows, T0 + 777, T0 + 2 * DAY - 5, 5000, ["u-bo", "u-gone"])


def test_user_spend_survives_retention(engine: Engine) -> None:
    rng = random.Random(5)
    now = T0 + 100 * DAY
    old = with_users(rng, random_events(rng, 900, T0, 2 * DAY))
    recent = with_users(rng, random_events(rng, 300, now - 5 * DAY, 4 * DAY))
    write_rows(engine, old + recent)
    add_accounts(engine)

    def spend(user: str, since: float | None) -> float:
        return math.fsum(r["cost_in_usd"] for r in old + recent if r["user_id"] == user and (since is None or r["created_at"] >= since))

    settings = Settings.load(events_retention_days=30).gateway
    assert retention.apply(engine, settings, now=now)[0] == len(old)  # the raw rows are gone
    for user in USERS:
        assert user_spend_since(engine, user, None) == pytest.approx(spend(user, None), rel=1e-12)
        assert user_spend_since(engine, user, T0 + DAY) == pytest.approx(spend(user, T0 + DAY), rel=1e-12)
    with Session(engine) as db:
        usage = usage_of(db, USERS)
    assert {u: usage[u].requests for u in USERS} == {u: sum(r["user_id"] == u for r in old + recent) for u in USERS}
    check_top_users(engine, recent, now - 6 * DAY, None)
