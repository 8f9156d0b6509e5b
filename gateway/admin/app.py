"""The admin API app (BricksLLM-compatible, port 8001): keys, providers, routes, events, reporting."""

from __future__ import annotations

import swagger_ui_bundle
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gateway import __version__
from gateway.admin import events, health, keys, providers, reporting, routes, system
from gateway.admin.auth import require_admin, require_database
from gateway.admin.guard import AdminInputGuard
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
                  strict_content_type=False, docs_url=None, redoc_url=None)
    _offline_docs(app)
    app.state.ctx = ctx
    app.add_middleware(AdminInputGuard, max_body_bytes=ctx.settings.gateway.admin_max_body_bytes)
    install_error_handlers(app)
    app.include_router(health.public)
    guarded = [Depends(require_admin), Depends(require_database)]
    for module in (keys, providers, routes, events, reporting, health, system):
        app.include_router(module.router, dependencies=guarded)
    return app


def _offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI from the installed bundle: FastAPI's default loads it from a CDN."""
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title=app.title,
            swagger_js_url="/docs-static/swagger-ui-bundle.js", swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
        )
