"""Events explorer: filters, sort, pages, one event's detail, CSV export of everything that matches."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from dataclasses import dataclass
from typing import Any

import reflex as rx

from dictachat.admin.client import AdminClient, EventInfo
from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminPage, AdminState, admin_call
from dictachat.admin.state.user_filter import UserFilter

PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
CSV_FIELDS = [
    "id", "created_at", "key_id", "provider", "model", "path", "status", "stream", "cache_hit",
    "prompt_token_count", "completion_token_count", "cost_in_usd", "latency_in_ms", "time_to_first_token_ms",
    "upstream", "error",
]
TRISTATE = {"yes": True, "no": False}
# The filters and their unfiltered values; key and status selects name "no filter" with an option of their own.
FILTERS = {"key_id": "", "model": "", "status": "", "window": "24h", "stream": "any", "cached": "any"}
ALL_OPTION = {"key_id": "__all__", "status": "any"}


@dataclass
class EventRow:
    id: str = ""
    time: str = ""
    key: str = ""
    key_id: str = ""
    user: str = ""  # the chat account the request was for, when its key vouches for users
    model: str = ""
    provider: str = ""
    path: str = ""
    status: int = 0
    stream: bool = False
    cached: bool = False
    prompt: str = ""
    completion: str = ""
    cost: str = ""
    latency: str = ""
    ttft: str = ""
    upstream: str = ""
    error: str = ""
    request: str = ""
    response: str = ""


def _pretty(body: str | None) -> str:
    """Logged bodies as indented JSON when they are JSON, else as sent."""
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def event_row(event: EventInfo, key_names: dict[str, str], user_names: dict[str, str] | None = None) -> EventRow:
    key_id, user_id = event.get("key_id", ""), event.get("user_id", "")
    return EventRow(
        id=event.get("id", ""),
        time=fmt.stamp(event.get("created_at")),
        key=key_names.get(key_id) or key_id or "—",
        key_id=key_id,
        user=(user_names or {}).get(user_id) or user_id,
        model=event.get("model", ""),
        provider=event.get("provider", ""),
        path=event.get("path", ""),
        status=int(event.get("status", 0)),
        stream=bool(event.get("stream")),
        cached=bool(event.get("cache_hit")),
        prompt=fmt.count(event.get("prompt_token_count")),
        completion=fmt.count(event.get("completion_token_count")),
        cost=fmt.usd(event.get("cost_in_usd")),
        latency=fmt.ms(event.get("latency_in_ms")),
        ttft=fmt.ms(event.get("time_to_first_token_ms")),
        upstream=event.get("upstream", ""),
        error=event.get("error", ""),
        request=_pretty(event.get("request")),
        response=_pretty(event.get("response")),
    )


def events_csv(events: list[EventInfo]) -> str:
    """CSV with one line per event: local times, plain decimals (no exponents), no bodies."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for event in events:
        cost = format(float(event.get("cost_in_usd") or 0.0), ".10f").rstrip("0").rstrip(".")
        writer.writerow({**event, "created_at": fmt.stamp(event.get("created_at")), "cost_in_usd": cost})
    return out.getvalue()


class EventsState(AdminPage, UserFilter, AdminState):
    rows: list[EventRow] = []
    total: int = 0
    page: int = 0
    # Keyset pages: the cursor each visited page starts at ("" for the first), and the next page's.
    cursors: list[str] = [""]
    next_cursor: str = ""
    _to_page: int = -1  # the page a pager button asked for, until its rows come
    key_options: list[list[str]] = []

    key_id: str = ""
    model: str = ""
    status: str = ""
    window: str = "24h"
    stream: str = "any"
    cached: str = "any"
    sort: str = "time"
    order: str = "desc"

    detail: EventRow = EventRow()
    detail_open: bool = False
    exporting: bool = False

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return "0"
        first = self.page * PAGE_SIZE + 1
        return f"{first}–{min(self.total, first + PAGE_SIZE - 1)} / {self.total:,}"

    def _query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"sort": self.sort, "order": self.order}
        if self.window != "all":
            start, _, _ = fmt.span(self.window)
            query["start"] = start
        if self.key_id:
            query["keyIds"] = [self.key_id]
        if self.user_id:
            query["userIds"] = self._user_ids()
        if self.model.strip():
            query["model"] = self.model.strip()
        if self.status:
            query["status"] = int(self.status)
        if self.stream in TRISTATE:
            query["stream"] = TRISTATE[self.stream]
        if self.cached in TRISTATE:
            query["cached"] = TRISTATE[self.cached]
        return query

    async def _key_names(self, api: AdminClient) -> dict[str, str]:
        keys = await api.list_keys()
        self.key_options = [[k.get("keyId", ""), k.get("name") or k.get("keyId", "")] for k in keys]
        return {k.get("keyId", ""): k.get("name", "") for k in keys}

    @rx.event
    @admin_call(loading=False, _to_page=-1)
    async def load(self):
        """Show the page a pager button asked for, else the current one again; the page number changes with its
        rows, not before (a range label over the previous page's rows would misread)."""
        self.loading, self.error = True, ""
        yield
        api = self._api()
        names, user_names = await asyncio.gather(self._key_names(api), self._load_users(api))
        target, self._to_page = (self.page if self._to_page < 0 else self._to_page), -1
        first = target == 0  # counted once per filter; later pages start at their cursor
        query = {**self._query(), "limit": PAGE_SIZE, "includeTotal": first}
        if not first:
            query["cursor"] = self.cursors[target]
        page = await api.events(query)
        self.rows, self.page = [event_row(e, names, user_names) for e in page["events"]], target
        if page["total"] is not None:
            self.total = page["total"]
        self.next_cursor = page["nextCursor"] or ""
        self.loading = False

    def _refilter(self):
        self.page, self.cursors = 0, [""]
        return EventsState.load

    @rx.event
    def set_filter(self, name: str, value: str):
        """One filter changed (its "all" option stored as no filter); the list starts again at page one."""
        if name in FILTERS:
            setattr(self, name, "" if value == ALL_OPTION.get(name) else value)
            return self._refilter()

    @rx.event
    def sort_by(self, column: str):
        """Click a sortable header: first descending, a second click flips the order."""
        if self.sort == column:
            self.order = "asc" if self.order == "desc" else "desc"
        else:
            self.sort, self.order = column, "desc"
        return self._refilter()

    @rx.event
    def reset_filters(self):
        for name, value in FILTERS.items():
            setattr(self, name, value)
        self.user_id = ""
        self.sort, self.order = "time", "desc"
        return self._refilter()

    @rx.event
    def next_page(self):
        if self.next_cursor:
            self.cursors = [*self.cursors[: self.page + 1], self.next_cursor]
            self._to_page = self.page + 1
            return EventsState.load

    @rx.event
    def prev_page(self):
        if self.page > 0:
            self._to_page = self.page - 1
            return EventsState.load

    @rx.event
    def show(self, event_id: str) -> None:
        for row in self.rows:
            if row.id == event_id:
                self.detail, self.detail_open = row, True

    @rx.event
    def set_detail_open(self, value: bool) -> None:
        self.detail_open = value

    @rx.event
    @admin_call(exporting=False)
    async def export_csv(self):
        """Download every event matching the filters (up to EXPORT_LIMIT) as CSV."""
        self.exporting = True
        yield
        events: list[EventInfo] = []
        api = self._api()
        # A fixed end keeps pages stable while new events keep arriving.
        query = {**self._query(), "end": time.time()}
        cursor = ""
        while len(events) < EXPORT_LIMIT:
            page = await api.events({**query, "limit": 1000, "includeTotal": False, **({"cursor": cursor} if cursor else {})})
            events += page["events"]
            cursor = page["nextCursor"] or ""
            if not cursor:
                break
        self.exporting = False
        yield rx.download(data=events_csv(events), filename=f"events-{time.strftime('%Y%m%d-%H%M%S')}.csv", mime_type="text/csv")
