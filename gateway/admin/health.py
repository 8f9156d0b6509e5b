"""Health (open, for load balancers and start.sh) and Prometheus metrics (behind the admin password)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from common.db import database_up
from gateway.admin.deps import Ctx
from gateway.metrics import metrics_response
from gateway.store import LocalStore

public = APIRouter(tags=["system"])
router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    database: bool
    redis: bool | None


@public.get("/api/health")
async def health(ctx: Ctx) -> Health:
    """Always 200 while this process serves. `status` is "ok", or "degraded" when the database is
    unreachable; `redis` is null without REDIS_URL (in-process store), else whether Redis answers."""
    database = await run_in_threadpool(database_up, ctx.engine)
    redis = None if isinstance(ctx.store, LocalStore) else await ctx.store.ping()
    return Health(status="ok" if database else "degraded", database=database, redis=redis)


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus text format; scrape with `authorization: {credentials: <ADMIN_PASS>}`."""
    return metrics_response()
