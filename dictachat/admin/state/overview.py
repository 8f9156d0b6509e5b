"""Overview page: traffic, tokens, cost, latency, errors and cache hits over a chosen window."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from dictachat.admin.client import DataPoint, Report, Spend
from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminPage, AdminState, admin_call


def chart_rows(points: list[DataPoint], increment: int) -> list[dict[str, Any]]:
    """One chart row per bucket, with rates already in percent."""
    rows = []
    for p in sorted(points, key=lambda p: p.get("timeStamp", 0)):
        requests = int(p.get("numberOfRequests", 0))
        rows.append({
            "label": fmt.axis_label(p.get("timeStamp", 0), increment),
            "requests": requests,
            "prompt": int(p.get("promptTokenCount", 0)),
            "completion": int(p.get("completionTokenCount", 0)),
            "cost": round(float(p.get("costInUsd", 0.0)), 6),
            "p50": round(float(p.get("latencyInMsMedian", 0.0)), 1),
            "p95": round(float(p.get("latencyInMs95th", 0.0)), 1),
            "errors": round(100.0 * p.get("errorCount", 0) / requests, 1) if requests else 0,
            "cache": round(100.0 * p.get("cacheHitCount", 0) / requests, 1) if requests else 0,
        })
    return rows


def totals(report: Report) -> dict[str, str]:
    """Window totals, summed from the same buckets the charts draw."""
    points = report.get("dataPoints") or []
    requests = sum(int(p.get("numberOfRequests", 0)) for p in points)
    prompt = sum(int(p.get("promptTokenCount", 0)) for p in points)
    completion = sum(int(p.get("completionTokenCount", 0)) for p in points)
    errors = sum(int(p.get("errorCount", 0)) for p in points)
    hits = sum(int(p.get("cacheHitCount", 0)) for p in points)
    return {
        "requests": fmt.count(requests),
        "tokens": fmt.count(prompt + completion),
        "prompt": fmt.count(prompt),
        "completion": fmt.count(completion),
        "cost": fmt.usd(sum(float(p.get("costInUsd", 0.0)) for p in points)),
        "p50": fmt.ms(report.get("latencyInMsMedian")) if requests else "—",
        "p99": fmt.ms(report.get("latencyInMs99th")) if requests else "—",
        "error_rate": fmt.percent(errors, requests),
        "errors": fmt.count(errors),
        "cache_rate": fmt.percent(hits, requests),
        "cache_hits": fmt.count(hits),
    }


def ranked(rows: list[Spend]) -> list[dict[str, str]]:
    """Top keys (named, with their id underneath) or top models as display rows."""
    return [
        {
            "label": row.get("name") or row.get("model") or row.get("keyId") or "—",
            "sub": row.get("keyId", ""),
            "requests": fmt.count(row.get("requests", 0)),
            "tokens": fmt.count(row.get("promptTokenCount", 0) + row.get("completionTokenCount", 0)),
            "cost": fmt.usd(row.get("costInUsd", 0.0)),
        }
        for row in rows
    ]


class OverviewState(AdminPage, AdminState):
    window: str = "24h"
    custom_start: str = ""
    custom_end: str = ""
    series: list[dict[str, Any]] = []
    summary: dict[str, str] = totals({})
    top_keys: list[dict[str, str]] = []
    top_models: list[dict[str, str]] = []
    has_traffic: bool = False

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
        report, keys, models = await asyncio.gather(
            api.report(start, end, step), api.top_keys(start, end), api.top_models(start, end)
        )
        self.series = chart_rows(report.get("dataPoints") or [], step)
        self.summary = totals(report)
        self.has_traffic = any(row["requests"] for row in self.series)
        self.top_keys = ranked(keys)
        self.top_models = ranked(models)
        self.loading = False

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
