"""Event answers (BricksLLM's snake_case) and the POST /api/v2/events body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gateway.admin.schemas.common import ApiModel
from gateway.event_search import EventFilter, Order, SortBy

MAX_PAGE = 1000


class EventOut(BaseModel):
    """One proxied request; `request`/`response` are the logged bodies (text) or null."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    created_at: float
    key_id: str
    tags: list[str]
    provider: str
    model: str
    path: str
    method: str
    route_id: str
    status: int
    stream: bool
    prompt_token_count: int
    completion_token_count: int
    cost_in_usd: float
    latency_in_ms: float
    time_to_first_token_ms: float | None
    cache_hit: bool
    upstream: str
    error: str
    custom_id: str
    request: str | None
    response: str | None


class EventsQuery(ApiModel):
    """Filters (start inclusive, end exclusive, unix seconds; events must carry every tag) and a page."""

    key_ids: list[str] = []
    tags: list[str] = []
    start: float | None = None
    end: float | None = None
    status: int | None = None
    model: str | None = None
    stream: bool | None = None
    cached: bool | None = None
    offset: int = Field(0, ge=0)
    limit: int = Field(100, ge=1, le=MAX_PAGE)
    sort: SortBy = "time"
    order: Order = "desc"
    cursor: str | None = Field(None, description="nextCursor of the previous page (keyset: as fast at any depth; offset is ignored)")
    include_total: bool = Field(True, description="count every match (one extra scan of the matches)")

    def filter(self) -> EventFilter:
        return EventFilter(
            key_ids=self.key_ids, tags=self.tags, start=self.start, end=self.end, status=self.status,
            model=self.model, stream=self.stream, cached=self.cached,
        )


class EventsPage(BaseModel):
    events: list[EventOut]
    total: int | None
    next_cursor: str | None = Field(None, serialization_alias="nextCursor")
