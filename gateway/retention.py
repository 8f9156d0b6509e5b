"""Retention: raw events and their logged bodies expire on their own clocks; rollups are kept.

Deletes run in small batches (one short transaction each), so the table is never locked for long and
the recorder's inserts go on between them.
"""

from __future__ import annotations

import logging
import math
import time

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from common.settings import GatewaySettings
from gateway.models import Event, RetentionMark
from gateway.rollups import HOUR

log = logging.getLogger("gateway.retention")

DAY = 86_400
BATCH = 5_000
EVENTS_MARK = "events"


def cutoff(days: float, now: float) -> float | None:
    """Unix time before which rows expire, or None when kept forever."""
    return now - days * DAY if days > 0 else None


def horizon(db: Session) -> int:
    """First hour that still has all its raw events (0 if none was ever deleted): reports read only
    rollups before it."""
    mark = db.get(RetentionMark, EVENTS_MARK)
    return math.ceil(mark.before / HOUR) * HOUR if mark else 0


def _mark(engine: Engine, before: float) -> None:
    """Record that events before `before` may be gone (never moves back)."""
    with Session(engine) as db:
        mark = db.get(RetentionMark, EVENTS_MARK) or RetentionMark(name=EVENTS_MARK)
        mark.before = max(mark.before, before)
        db.add(mark)
        db.commit()


def purge_events(engine: Engine, before: float, batch: int = BATCH) -> int:
    """Delete raw events older than `before`, `batch` rows per transaction; returns how many.
    The mark is moved first, so no report reads raw events of an hour being deleted."""
    _mark(engine, before)
    removed = 0
    while True:
        ids = select(col(Event.id)).where(col(Event.created_at) < before).limit(batch)
        with engine.begin() as conn:
            n = conn.execute(delete(Event).where(col(Event.id).in_(ids.scalar_subquery()))).rowcount
        removed += n
        if n < batch:
            return removed


def purge_bodies(engine: Engine, before: float, batch: int = BATCH) -> int:
    """Forget logged request/response bodies of events older than `before`; returns how many events."""
    logged = or_(col(Event.request).is_not(None), col(Event.response).is_not(None))
    cleared = 0
    while True:
        ids = select(col(Event.id)).where(col(Event.created_at) < before, logged).limit(batch)
        with engine.begin() as conn:
            n = conn.execute(
                update(Event).where(col(Event.id).in_(ids.scalar_subquery())).values(request=None, response=None)
            ).rowcount
        cleared += n
        if n < batch:
            return cleared


def apply(engine: Engine, settings: GatewaySettings, now: float | None = None, batch: int = BATCH) -> tuple[int, int]:
    """One retention pass: (events deleted, events whose bodies were cleared)."""
    now = time.time() if now is None else now
    events_before = cutoff(settings.events_retention_days, now)
    bodies_before = cutoff(settings.event_bodies_retention_days, now)
    events = purge_events(engine, events_before, batch) if events_before is not None else 0
    bodies = purge_bodies(engine, bodies_before, batch) if bodies_before is not None else 0
    if events or bodies:
        log.info("retention: %d old events deleted, bodies of %d cleared", events, bodies)
    return events, bodies
