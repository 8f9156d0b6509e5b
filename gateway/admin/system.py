"""System status for the dashboard (GPUs, llama-server, gateway, database, Redis) and upstream connection tests."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.text import comma_list
from gateway import system
from gateway.admin.deps import Ctx, run_db
from gateway.admin.schemas.system import ConnectionTest
from gateway.manage.common import get_or_404
from gateway.models import ProviderSetting

router = APIRouter(prefix="/api/system", tags=["system"])


@router.get("")
async def system_status(ctx: Ctx) -> system.SystemStatus:
    """{gpus, gpuMessage, llama: {url, healthy, status, model, contextSize, tokensPerSecond, ...},
    gateway: {version, uptimeS}, database: {ok, kind}, redis: {ok} or null without REDIS_URL}."""
    async with system.probe_client() as http:
        return await system.snapshot(ctx, http)


@router.get("/scheduler")
async def scheduler_status(ctx: Ctx) -> dict[str, Any]:
    """Live fair share: {enabled, providers: [{provider, queueDepth, queueWaitMsP50, queueWaitMsP95,
    deployments: [{url, slots, inFlight}]}], keys: [{keyId, name, priority, inFlight, queued, concurrent,
    maxConcurrentRequests, tokensThisWindow, tokenLimitOverTime, tokenLimitUnit, users: [{userId, name, inFlight,
    queued}] (the users a vouching key named, else [])}]}."""
    return await system.share(ctx)


@router.post("/test-connection")
async def test_connection(body: ConnectionTest, ctx: Ctx) -> system.ConnectionResult:
    """Call the upstream's /health (else its model list) and time it: {ok, url, status, latencyMs, message}."""
    url, apikey = body.url, body.apikey
    if body.setting_id:
        row = await run_db(ctx, lambda db: get_or_404(db, ProviderSetting, body.setting_id, "provider setting"))
        url = (comma_list(str(row.setting.get("url") or "")) or [""])[0]
        apikey = str(row.setting.get("apikey") or "")
    async with system.probe_client() as http:
        return await system.test_connection(http, url, apikey)
