"""Find recorded events: filters shared with reporting, sorting, and pages by offset or by keyset cursor."""

from __future__ import annotations

import base64
import json
import math
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, literal, tuple_
from sqlmodel import Session, col, select

from gateway.errors import GatewayError
from gateway.jsonsql import has_all
from gateway.models import Event

SortBy = Literal["time", "cost", "latency"]
Order = Literal["asc", "desc"]

_SORT_ATTRS = {"time": "created_at", "cost": "cost_in_usd", "latency": "latency_in_ms"}
_SORT_COLUMNS = {sort: getattr(Event, attr) for sort, attr in _SORT_ATTRS.items()}


class EventFilter(BaseModel):
    """Which events to select; `start` is inclusive and `end` exclusive (unix seconds).

    A pydantic model so the admin API's query (`EventsQuery`) is this filter plus a page, not a copy of it.
    """

    key_ids: list[str] = []
    tags: list[str] = []
    user_ids: list[str] = []
    start: float | None = None
    end: float | None = None
    status: int | None = Field(None, ge=100, le=599, description="HTTP status of the events")
    model: str | None = None
    stream: bool | None = None
    cached: bool | None = None

    def scope(self, table: Any, dialect: str) -> list[ColumnElement[bool]]:
        """Conditions on the keys, tags (every one carried) and users of `table`: events or their rollups."""
        conds: list[ColumnElement[bool]] = []
        if self.key_ids:
            conds.append(col(table.key_id).in_(self.key_ids))
        if self.tags:
            conds.append(has_all(col(table.tags), self.tags, dialect))
        if self.user_ids:
            conds.append(col(table.user_id).in_(self.user_ids))
        return conds

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """SQL conditions for these filters; events must carry every one of `tags`."""
        conds = self.scope(Event, dialect)
        if self.start is not None:
            conds.append(col(Event.created_at) >= self.start)
        if self.end is not None:
            conds.append(col(Event.created_at) < self.end)
        if self.status is not None:
            conds.append(col(Event.status) == self.status)
        if self.model:
            conds.append(col(Event.model) == self.model)
        if self.stream is not None:
            conds.append(col(Event.stream) == self.stream)
        if self.cached is not None:
            conds.append(col(Event.cache_hit) == self.cached)
        return conds


def encode_cursor(event: Event, sort: SortBy) -> str:
    """An opaque cursor just after `event` in `sort` order."""
    value = getattr(event, _SORT_ATTRS[sort])
    return base64.urlsafe_b64encode(json.dumps([value, event.id]).encode()).decode()


def _after(cursor: str, sort: SortBy, order: Order) -> ColumnElement[bool]:
    """Rows after the cursor's (value, id) in the page order: one index range, however deep the page."""
    try:
        raw_value, raw_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        value = float(raw_value)
        if not isinstance(raw_id, str) or not math.isfinite(value):
            raise ValueError(raw_id)
        last_id = raw_id.replace("\x00", "")
    except (ValueError, TypeError):
        raise GatewayError(400, "cursor: not a cursor from a previous page (nextCursor)") from None
    # A row-value comparison, so the database walks the (column, id) index from the cursor on.
    pair, after = tuple_(col(_SORT_COLUMNS[sort]), col(Event.id)), tuple_(literal(value), literal(last_id))
    return pair < after if order == "desc" else pair > after


def search_events(
    db: Session, flt: EventFilter, sort: SortBy = "time", order: Order = "desc", offset: int = 0, limit: int = 100,
    cursor: str | None = None, with_total: bool = True,
) -> tuple[list[Event], int | None, str | None]:
    """One page of matching events, the number of all matches (None unless `with_total`) and the cursor
    of the next page (None on the last page). With `cursor`, the page starts after it and `offset` is ignored."""
    conds = flt.conditions(db.get_bind().dialect.name)
    total = db.exec(select(func.count()).select_from(Event).where(*conds)).one() if with_total else None
    column = col(_SORT_COLUMNS[sort])
    direction = column.desc() if order == "desc" else column.asc()
    tie = col(Event.id).desc() if order == "desc" else col(Event.id).asc()
    query = select(Event).where(*conds).order_by(direction, tie)
    query = query.where(_after(cursor, sort, order)) if cursor else query.offset(offset)
    rows = list(db.exec(query.limit(limit + 1)).all())
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return rows[:limit], total, next_cursor
