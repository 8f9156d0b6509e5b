"""The proxy API: OpenAI-compatible chat completions, models, custom providers and routes."""

from __future__ import annotations

import logging
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.settings import Settings
from gateway import access
from gateway.config import ConfigCache
from gateway.errors import GatewayError, error_body
from gateway.keys import MAX_DURATION_S, parse_ttl
from gateway.proxy import plan as plans
from gateway.proxy.forward import Call, Forwarder
from gateway.proxy.models import ModelLister
from gateway.proxy.openapi import openapi
from gateway.proxy.payload import parse_payload
from gateway.upstream import Usage

log = logging.getLogger("gateway.proxy")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 once it grows past `limit` bytes."""
    declared = request.headers.get("content-length")
    too_big = GatewayError(413, f"Request body too large: the limit is {limit:,} bytes.", code="body_too_large")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def request_timeout(request: Request, default_s: float) -> float:
    """`x-request-timeout` in seconds ("30") or as a duration ("2m"); 400 if unreadable."""
    raw = request.headers.get("x-request-timeout")
    if not raw:
        return default_s
    try:
        value = float(raw)
    except ValueError:
        try:
            value = parse_ttl(raw)
        except ValueError:
            raise GatewayError(400, f"x-request-timeout '{raw}' is not a number of seconds or a duration like 30s.") from None
    if not 0 < value <= MAX_DURATION_S:  # also refuses NaN and inf
        raise GatewayError(400, "x-request-timeout must be a positive, finite number of seconds.")
    return value


class ProxyApp:
    """HTTP layer of the proxy: parse, authenticate, plan, then hand over to the Forwarder."""

    def __init__(self, settings: Settings, config: ConfigCache, forwarder: Forwarder, lister: ModelLister) -> None:
        self.settings = settings
        self.config = config
        self.forwarder = forwarder
        self.lister = lister

    async def chat(self, request: Request) -> Response:
        call = Call(path=request.url.path, method=request.method)
        try:
            call.body = await read_body(request, self.settings.gateway.max_body_bytes)
            call.key = await access.authenticate(request.headers, self.config)
            call.payload = parse_payload(call.body)
            call.model = call.payload.get("model") or ""
            call.stream = bool(call.payload.get("stream"))
            plan = await self._plan(request, call)
            call.provider = plan.provider_name
            for step in plan.steps:  # a route's steps may switch model and provider: each must be allowed
                access.check_access(call.key, call.path, call.method, step.model or call.model, step.provider)
            return await self.forwarder.run(call, plan, request_timeout(request, self.settings.gateway.request_timeout_s))
        except GatewayError as err:
            self.forwarder.finish(call, err.status, Usage(), None, err.message)
            return err.response()
        except Exception:
            log.exception("unexpected error in %s", call.path)
            self.forwarder.finish(call, 500, Usage(), None, "internal gateway error")
            return JSONResponse(error_body(500, "The gateway hit an internal error; it has been logged."), status_code=500)

    async def _plan(self, request: Request, call: Call) -> plans.Plan:
        snapshot = await self.config.snapshot()
        key, s = call.key, self.settings
        assert key is not None
        if "provider" in request.path_params:
            return plans.for_provider(snapshot, request.path_params["provider"], key, s.gateway.upstream_retries, s.gateway.cache_ttl_s)
        if "route" in request.path_params:
            return plans.for_route(snapshot, request.path_params["route"], key, s.gateway.upstream_retries, s.gateway.cache_ttl_s)
        return plans.for_model(snapshot, call.model, key, s.gateway.upstream_retries, s.gateway.cache_ttl_s)

    async def models(self, request: Request) -> Response:
        try:
            await access.authenticate(request.headers, self.config)
        except GatewayError as err:
            return err.response()
        return JSONResponse({"object": "list", "data": await self.lister.list(await self.config.snapshot())})

    async def health(self, _: Request) -> Response:
        return JSONResponse({"status": "ok", "time": int(time.time())})

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/custom/providers/{provider}/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/api/routes/{route:path}", self.chat, methods=["POST"]),
                Route("/v1/models", self.models, methods=["GET"]),
                Route("/api/health", self.health, methods=["GET"]),
                Route("/openapi.json", openapi, methods=["GET"]),
            ],
            exception_handlers={404: _not_found, 405: _not_allowed},
        )


async def _not_found(request: Request, _exc: Exception) -> Response:
    return JSONResponse(error_body(404, f"No such endpoint: {request.method} {request.url.path}."), status_code=404)


async def _not_allowed(request: Request, _exc: Exception) -> Response:
    return JSONResponse(error_body(405, f"{request.method} is not allowed on {request.url.path}."), status_code=405)
