"""Event endpoints: GET /api/events (query filters), POST /api/v2/events (body filters, with a total) and
GET /api/events/export (every match as CSV, streamed page by page)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import fields
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from gateway.admin.deps import Ctx, run_db, split_values
from gateway.admin.schemas.events import MAX_PAGE, EventsPage, EventsQuery
from gateway.event import ProxyEvent
from gateway.event_search import search_events

router = APIRouter(tags=["events"])

CSV_FIELDS = [f.name for f in fields(ProxyEvent) if f.name not in ("request", "response")]


async def _page(ctx: Ctx, query: EventsQuery) -> tuple[list[ProxyEvent], int | None, str | None]:
    rows, total, next_cursor = await run_db(
        ctx, search_events, query, query.sort, query.order, query.offset, query.limit, query.cursor,
        query.include_total,
    )
    return [ProxyEvent.of(row) for row in rows], total, next_cursor


def _split(query: EventsQuery) -> EventsQuery:
    return query.model_copy(update={"key_ids": split_values(query.key_ids), "user_ids": split_values(query.user_ids),
                                    "tags": split_values(query.tags)})


@router.get("/api/events")
async def list_events(ctx: Ctx, response: Response, query: Annotated[EventsQuery, Query()]) -> list[ProxyEvent]:
    """Events newest first (or `sort=cost|latency`, `order=asc|desc`), one page of `limit` (default 100,
    at most 1000) from `offset` or after `cursor`; `keyIds`/`userIds`/`tags` repeated or comma-separated.
    `X-Total-Count` = all matches; `X-Next-Cursor` = the cursor of the next page (absent on the last)."""
    events, total, next_cursor = await _page(ctx, _split(query))
    if total is not None:
        response.headers["X-Total-Count"] = str(total)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return events


@router.post("/api/v2/events")
async def search(query: EventsQuery, ctx: Ctx) -> EventsPage:
    """Like GET /api/events with the filters in the body; answers {"events": [...], "total": N, "nextCursor"}."""
    events, total, next_cursor = await _page(ctx, query)
    return EventsPage(events=events, total=total, next_cursor=next_cursor)


@router.get("/api/events/export")
async def export_csv(ctx: Ctx, query: Annotated[EventsQuery, Query()]) -> StreamingResponse:
    """Every event matching the filters as CSV (no bodies), in the requested order, streamed a page at a
    time: memory stays flat however many rows match."""
    query = _split(query).model_copy(update={"limit": MAX_PAGE, "include_total": False, "offset": 0})

    # The first page is read before the answer starts, so a bad filter or cursor is still a clean 4xx
    # instead of a stream cut off after its headers.
    first = await _page(ctx, query)

    async def lines() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        events, _, next_cursor = first
        while True:
            for event in events:
                writer.writerow({**event.row(), "tags": json.dumps(list(event.tags))})
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if not next_cursor:
                return
            events, _, next_cursor = await _page(ctx, query.model_copy(update={"cursor": next_cursor}))

    return StreamingResponse(lines(), media_type="text/csv",
                             headers={"Content-Disposition": 'attachment; filename="events.csv"'})
