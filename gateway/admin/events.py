"""Event endpoints: GET /api/events (query filters) and POST /api/v2/events (body filters, with a total)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gateway.admin.deps import Ctx, run_db, split_values
from gateway.admin.schemas.events import EventsPage, EventsQuery
from gateway.event import ProxyEvent
from gateway.event_search import search_events

router = APIRouter(tags=["events"])


async def _page(ctx: Ctx, query: EventsQuery) -> tuple[list[ProxyEvent], int]:
    rows, total = await run_db(ctx, search_events, query, query.sort, query.order, query.offset, query.limit)
    return [ProxyEvent.of(row) for row in rows], total


@router.get("/api/events")
async def list_events(ctx: Ctx, response: Response, query: Annotated[EventsQuery, Query()]) -> list[ProxyEvent]:
    """Events newest first (or `sort=cost|latency`, `order=asc|desc`), one page of `limit` (default 100,
    at most 1000) from `offset`; `keyIds`/`tags` repeated or comma-separated. `X-Total-Count` = all matches."""
    query = query.model_copy(update={"key_ids": split_values(query.key_ids), "tags": split_values(query.tags)})
    events, total = await _page(ctx, query)
    response.headers["X-Total-Count"] = str(total)
    return events


@router.post("/api/v2/events")
async def search(query: EventsQuery, ctx: Ctx) -> EventsPage:
    """Like GET /api/events with the filters in the body; answers {"events": [...], "total": N}."""
    events, total = await _page(ctx, query)
    return EventsPage(events=events, total=total)
