"""Admin authentication: `X-API-KEY: <ADMIN_PASS>` or `Authorization: Bearer <ADMIN_PASS>`."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.admin.deps import Ctx
from gateway.errors import GatewayError

_api_key = APIKeyHeader(name="X-API-KEY", auto_error=False, description="ADMIN_PASS")
_bearer = HTTPBearer(auto_error=False, description="ADMIN_PASS")


async def require_admin(
    ctx: Ctx,
    api_key: Annotated[str | None, Security(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """Let the request through only with the admin password; without ADMIN_PASS nothing gets through."""
    expected = ctx.settings.gateway.admin_pass.encode()
    if not expected:
        raise GatewayError(401, "ADMIN_PASS is not set, so the admin API is disabled; set it and restart the gateway",
                           "admin_disabled")
    given = [value.encode() for value in (api_key, bearer.credentials if bearer else None) if value]
    # compare_digest on every candidate keeps the check constant-time whichever header was sent.
    if not any([hmac.compare_digest(value, expected) for value in given]):
        message = "wrong admin password" if given else "missing admin password"
        raise GatewayError(401, f"{message}: send X-API-KEY: <ADMIN_PASS> or Authorization: Bearer <ADMIN_PASS>",
                           "invalid_admin_password")


async def require_database(ctx: Ctx) -> None:
    """503 with the reason while the database is not migrated yet (the gateway started during an outage)."""
    if not ctx.database.ready:
        raise GatewayError(503, f"the database is not ready yet ({ctx.database.problem}); the gateway keeps retrying, "
                                "try again shortly", "database_unavailable")
