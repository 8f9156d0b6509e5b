"""System status for the dashboard (GPUs, llama-server, gateway, database, Redis) and upstream connection tests."""

from __future__ import annotations

from fastapi import APIRouter

from common.text import comma_list
from gateway import system
from gateway.admin.deps import Ctx, run_db
from gateway.admin.schemas.common import ApiModel
from gateway.manage.common import get_or_404
from gateway.models import ProviderSetting

router = APIRouter(prefix="/api/system", tags=["system"])


class ConnectionTest(ApiModel):
    """Test `url` (with `apikey`), or the first URL of a stored provider setting (`settingId`) with its own key."""

    url: str = ""
    apikey: str = ""
    setting_id: str = ""


@router.get("")
async def system_status(ctx: Ctx) -> system.SystemStatus:
    """{gpus, gpuMessage, llama: {url, healthy, status, model, contextSize, tokensPerSecond, ...},
    gateway: {version, uptimeS}, database: {ok, kind}, redis: {ok} or null without REDIS_URL}."""
    async with system.probe_client() as http:
        return await system.snapshot(ctx, http)


@router.post("/test-connection")
async def test_connection(body: ConnectionTest, ctx: Ctx) -> system.ConnectionResult:
    """Call the upstream's /health (else its model list) and time it: {ok, url, status, latencyMs, message}."""
    url, apikey = body.url, body.apikey
    if body.setting_id:
        row = await run_db(ctx, lambda db: get_or_404(db, ProviderSetting, body.setting_id, "provider setting"))
        url = next(iter(comma_list(str(row.setting.get("url") or ""))), "")
        apikey = str(row.setting.get("apikey") or "")
    async with system.probe_client() as http:
        return await system.test_connection(http, url, apikey)
