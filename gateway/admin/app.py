"""The admin API app (BricksLLM-compatible, port 8001): keys, providers, routes, events, reporting."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from gateway import __version__
from gateway.admin import events, keys, providers, reporting, routes, system
from gateway.admin.auth import require_admin
from gateway.admin.handlers import install_error_handlers
from gateway.context import Context

DESCRIPTION = (
    "BricksLLM-compatible admin API of the DictaChat gateway. Every endpoint except `GET /api/health` "
    "needs `X-API-KEY: <ADMIN_PASS>` or `Authorization: Bearer <ADMIN_PASS>`. Errors use the OpenAI shape "
    '`{"error": {"message", "type", "code"}}`.'
)


def create_admin_app(ctx: Context) -> FastAPI:
    """Build the admin app on `ctx`; it changes configuration and tells every proxy through the store."""
    # Bodies without a Content-Type are read as JSON (curl, BricksLLM scripts); the password header
    # already rules out the browser CSRF that strict checking guards against.
    app = FastAPI(title="DictaChat gateway admin API", version=__version__, description=DESCRIPTION,
                  strict_content_type=False)
    app.state.ctx = ctx
    install_error_handlers(app)
    app.include_router(system.public)
    guarded = [Depends(require_admin)]
    for module in (keys, providers, routes, events, reporting, system):
        app.include_router(module.router, dependencies=guarded)
    return app
