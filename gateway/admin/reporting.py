"""Reporting endpoints: usage over time, per key, top keys, top users and top models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gateway import reporting
from gateway.admin.deps import Ctx, run_db
from gateway.admin.schemas.reporting import (
    KeyUsageOut,
    ReportingQuery,
    ReportOut,
    TopKeysOut,
    TopKeysQuery,
    TopModelsOut,
    TopUsersOut,
)
from gateway.event_search import EventFilter

router = APIRouter(prefix="/api/reporting", tags=["reporting"])


@router.post("/events")
async def report_events(body: ReportingQuery, ctx: Ctx) -> ReportOut:
    """Every `increment`-second bucket of [start, end) with requests, tokens, cost, average and
    median/95th/99th latency (within 1 %), errors, client cancellations (499, not errors) and cache hits;
    plus median, 95th and 99th latency over the whole range."""
    flt = EventFilter(key_ids=body.key_ids, tags=body.tags, user_ids=body.user_ids)
    report = await run_db(ctx, reporting.report_events, flt, body.start, body.end, body.increment)
    return ReportOut.model_validate(report)


@router.get("/keys/{key_id}")
async def key_usage(key_id: str, ctx: Ctx, start: int | None = None, end: int | None = None) -> KeyUsageOut:
    """Spend (sum of event costs), requests and tokens of one key; all time unless start/end are given."""
    return KeyUsageOut.model_validate(await run_db(ctx, reporting.key_usage, key_id, start, end))


@router.post("/top-keys")
async def top_keys(body: TopKeysQuery, ctx: Ctx) -> TopKeysOut:
    """Keys by spend, then requests: {"dataPoints": [{keyId, name, costInUsd, requests, ...}]}."""
    usages = await run_db(ctx, reporting.top_keys, body.start, body.end, body.limit, body.tags)
    return TopKeysOut.model_validate({"data_points": usages})


@router.post("/top-users")
async def top_users(body: TopKeysQuery, ctx: Ctx) -> TopUsersOut:
    """Users by spend, then requests: {"dataPoints": [{userId, name, costInUsd, requests, lastSeen, ...}]};
    only requests whose key vouches for users carry a user."""
    usages = await run_db(ctx, reporting.top_users, body.start, body.end, body.limit, body.tags)
    return TopUsersOut.model_validate({"data_points": usages})


@router.get("/top-models")
async def top_models(
    ctx: Ctx, start: int | None = None, end: int | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 10
) -> TopModelsOut:
    """Models by spend, then requests: {"dataPoints": [{model, costInUsd, requests, ...}]}."""
    usages = await run_db(ctx, reporting.top_models, start, end, limit)
    return TopModelsOut.model_validate({"data_points": usages})
