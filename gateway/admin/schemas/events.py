"""Event answers (BricksLLM's snake_case: the `ProxyEvent` itself) and the event search query."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.admin.schemas.common import ApiModel
from gateway.event import ProxyEvent
from gateway.event_search import EventFilter, Order, SortBy

MAX_PAGE = 1000


class EventsQuery(EventFilter, ApiModel):
    """The event filter (start inclusive, end exclusive, unix seconds; events must carry every tag) and a page."""

    offset: int = Field(0, ge=0)
    limit: int = Field(100, ge=1, le=MAX_PAGE)
    sort: SortBy = "time"
    order: Order = "desc"
    cursor: str | None = Field(None, description="nextCursor of the previous page (keyset: as fast at any depth; offset is ignored)")
    include_total: bool = Field(True, description="count every match (one extra scan of the matches)")


class EventsPage(BaseModel):
    events: list[ProxyEvent]
    total: int | None
    next_cursor: str | None = Field(None, serialization_alias="nextCursor")
