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
    migrated: bool
    problems: list[str]


@public.get("/api/health")
async def health(ctx: Ctx) -> Health:
    """Always 200 while this process serves. `status` is "ok", or "degraded" with one sentence per problem in
    `problems`: the database unreachable, its migrations not applied yet, Redis unreachable. `redis` is null
    without REDIS_URL (in-process store)."""
    database = await run_in_threadpool(database_up, ctx.engine)
    redis = None if isinstance(ctx.store, LocalStore) else await ctx.store.ping()
    problems = []
    if not database:
        problems.append("database unreachable: requests from keys not cached yet get 503; events wait in the local log")
    if not ctx.database.ready:
        problems.append(f"database not migrated yet, retrying in the background ({ctx.database.problem})")
    if redis is False:
        problems.append("redis unreachable")
    return Health(status="degraded" if problems else "ok", database=database, redis=redis,
                  migrated=ctx.database.ready, problems=problems)


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus text format; scrape with `authorization: {credentials: <ADMIN_PASS>}`."""
    return metrics_response()
