"""The proxy API: OpenAI-compatible chat completions, models, custom providers and routes."""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway import access
from gateway.config import ConfigCache
from gateway.errors import GatewayError, error_body
from gateway.proxy.forward import Forwarder
from gateway.proxy.model_list import ModelLister
from gateway.proxy.openapi import openapi


class ChatEndpoint:
    """The chat routes as a plain ASGI app, so the Forwarder answers and accounts in one place, streams included."""

    def __init__(self, forwarder: Forwarder) -> None:
        self.forwarder = forwarder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.forwarder.run(Request(scope, receive), send)


class ProxyApp:
    """HTTP layer of the proxy: the chat routes go to the Forwarder; models and health are answered here."""

    def __init__(self, config: ConfigCache, forwarder: Forwarder, lister: ModelLister) -> None:
        self.config = config
        self.chat = ChatEndpoint(forwarder)
        self.lister = lister

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
