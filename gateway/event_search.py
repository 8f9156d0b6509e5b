"""Find recorded events: filters shared with reporting, sorting and offset/limit pages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from gateway.jsonsql import has_all
from gateway.models import Event

SortBy = Literal["time", "cost", "latency"]
Order = Literal["asc", "desc"]

_SORT_COLUMNS = {"time": Event.created_at, "cost": Event.cost_in_usd, "latency": Event.latency_in_ms}


class EventFilter(BaseModel):
    """Which events to select; `start` is inclusive and `end` exclusive (unix seconds).

    A pydantic model so the admin API's query (`EventsQuery`) is this filter plus a page, not a copy of it.
    """

    key_ids: list[str] = []
    tags: list[str] = []
    start: float | None = None
    end: float | None = None
    status: int | None = Field(None, ge=100, le=599, description="HTTP status of the events")
    model: str | None = None
    stream: bool | None = None
    cached: bool | None = None

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """SQL conditions for these filters; events must carry every one of `tags`."""
        conds: list[ColumnElement[bool]] = []
        if self.key_ids:
            conds.append(col(Event.key_id).in_(self.key_ids))
        if self.tags:
            conds.append(has_all(col(Event.tags), self.tags, dialect))
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


def search_events(
    db: Session, flt: EventFilter, sort: SortBy = "time", order: Order = "desc", offset: int = 0, limit: int = 100
) -> tuple[list[Event], int]:
    """One page of matching events and the number of all matches."""
    conds = flt.conditions(db.get_bind().dialect.name)
    total = db.exec(select(func.count()).select_from(Event).where(*conds)).one()
    column = col(_SORT_COLUMNS[sort])
    direction = column.desc() if order == "desc" else column.asc()
    tie = col(Event.id).desc() if order == "desc" else col(Event.id).asc()
    rows = db.exec(select(Event).where(*conds).order_by(direction, tie).offset(offset).limit(limit)).all()
    return list(rows), int(total)
