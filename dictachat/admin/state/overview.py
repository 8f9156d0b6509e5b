"""Overview page: traffic, tokens, cost, latency, errors and cache hits over a chosen window."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import reflex as rx

from dictachat.admin.client import DataPoint, Report, Spend
from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminPage, AdminState, admin_call
from dictachat.admin.state.user_filter import UserFilter


def chart_rows(points: list[DataPoint], increment: int) -> list[dict[str, Any]]:
    """One chart row per bucket: counts for the bars; rates (percent) and latencies for the lines,
    None in a bucket without requests, so a line breaks there instead of diving to zero."""
    rows = []
    for p in sorted(points, key=lambda p: p.get("timeStamp", 0)):
        requests = int(p.get("numberOfRequests", 0))
        errors, cancelled = int(p.get("errorCount", 0)), int(p.get("cancelledCount", 0))

        def measured(value: float, requests: int = requests) -> float | None:
            return round(value, 1) if requests else None

        rows.append({
            "label": fmt.axis_label(p.get("timeStamp", 0), increment),
            "tick": fmt.is_tick(p.get("timeStamp", 0), increment),
            "requests": requests,
            "succeeded": requests - errors - cancelled,
            "errors": errors,
            "cancelled": cancelled,
            "prompt": int(p.get("promptTokenCount", 0)),
            "completion": int(p.get("completionTokenCount", 0)),
            "cost": round(float(p.get("costInUsd", 0.0)), 6),
            "p50": measured(float(p.get("latencyInMsMedian", 0.0))),
            "p95": measured(float(p.get("latencyInMs95th", 0.0))),
            "p99": measured(float(p.get("latencyInMs99th", 0.0))),
            "error_rate": measured(100.0 * errors / requests if requests else 0.0),
            "cache_rate": measured(100.0 * p.get("cacheHitCount", 0) / requests if requests else 0.0),
        })
    return rows


def ticks(rows: list[dict[str, Any]]) -> list[str]:
    """The labels that get an axis tick (round clock times), shared by every chart of a page."""
    return [row["label"] for row in rows if row["tick"]]


def counts(report: Report) -> dict[str, int]:
    """Window totals as numbers (for labels whose wording depends on the number: 1 error, 2 errors)."""
    points = report.get("dataPoints") or []
    keys = {"requests": "numberOfRequests", "errors": "errorCount", "cancelled": "cancelledCount",
            "cache_hits": "cacheHitCount", "prompt": "promptTokenCount", "completion": "completionTokenCount"}
    rows = [cast(dict[str, Any], p) for p in points]  # TypedDicts read by a computed key
    return {name: sum(int(row.get(field, 0)) for row in rows) for name, field in keys.items()}


def totals(report: Report) -> dict[str, str]:
    """Window totals, summed from the same buckets the charts draw; latency percentiles as the report
    gives them (p50, p95, p99, the same the latency chart draws)."""
    n = counts(report)
    requests = n["requests"]
    return {
        "requests": fmt.count(requests),
        "tokens": fmt.count(n["prompt"] + n["completion"]),
        "prompt": fmt.count(n["prompt"]),
        "completion": fmt.count(n["completion"]),
        "cost": fmt.usd(sum(float(p.get("costInUsd", 0.0)) for p in report.get("dataPoints") or [])),
        "p50": fmt.ms(report.get("latencyInMsMedian")) if requests else "—",
        "p95": fmt.ms(report.get("latencyInMs95th")) if requests else "—",
        "p99": fmt.ms(report.get("latencyInMs99th")) if requests else "—",
        "error_rate": fmt.percent(n["errors"], requests),
        "cache_rate": fmt.percent(n["cache_hits"], requests),
    }


def ranked(rows: list[Spend]) -> list[dict[str, str]]:
    """Top keys or users (named, with their id underneath) or top models as display rows."""
    return [
        {
            "label": row.get("name") or row.get("model") or row.get("keyId") or row.get("userId") or "—",
            "sub": row.get("keyId") or row.get("userId", ""),
            "requests": fmt.count(row.get("requests", 0)),
            "tokens": fmt.count(row.get("promptTokenCount", 0) + row.get("completionTokenCount", 0)),
            "cost": fmt.usd(row.get("costInUsd", 0.0)),
        }
        for row in rows
    ]


class OverviewState(AdminPage, UserFilter, AdminState):
    window: str = "24h"
    custom_start: str = ""
    custom_end: str = ""
    series: list[dict[str, Any]] = []
    ticks: list[str] = []
    summary: dict[str, str] = totals({})
    numbers: dict[str, int] = counts({})
    top_keys: list[dict[str, str]] = []
    top_models: list[dict[str, str]] = []
    top_users: list[dict[str, str]] = []
    has_traffic: bool = False
    has_cost: bool = False

    @rx.event
    @admin_call(loading=False)
    async def load(self):
        self.loading, self.error = True, ""
        yield
        try:
            start, end, step = fmt.span(self.window, self.custom_start, self.custom_end)
        except ValueError as exc:
            self.loading, self.error = False, str(exc)
            return
        api = self._api()
        report, keys, models, users, _ = await asyncio.gather(
            api.report(start, end, step, user_ids=self._user_ids()), api.top_keys(start, end), api.top_models(start, end),
            api.top_users(start, end), self._load_users(api),
        )
        self.series = chart_rows(report.get("dataPoints") or [], step)
        self.ticks = ticks(self.series)
        self.summary, self.numbers = totals(report), counts(report)
        self.has_traffic = any(row["requests"] for row in self.series)
        self.has_cost = any(row["cost"] for row in self.series)
        self.top_keys = ranked(keys)
        self.top_models = ranked(models)
        self.top_users = ranked(users)
        self.loading = False

    def _refilter(self):
        return OverviewState.load

    @rx.event
    def set_window(self, window: str):
        self.window = window
        if window == "custom" and not self.custom_start:
            start, end, _ = fmt.span("24h")
            self.custom_start, self.custom_end = fmt.local_input(start), fmt.local_input(end)
        return OverviewState.load

    @rx.event
    def set_custom_start(self, value: str) -> None:
        self.custom_start = value

    @rx.event
    def set_custom_end(self, value: str) -> None:
        self.custom_end = value
