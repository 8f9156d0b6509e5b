"""The proxied request, parsed once into frozen values: its arrival, its chat body, and the whole request."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from gateway.errors import GatewayError
from gateway.keys import parse_ttl
from gateway.models import Key, User, new_id
from gateway.proxy.plan import Plan


@dataclass(frozen=True)
class Arrival:
    """When and where a request came in: what every event has, even that of a refused request."""

    path: str
    method: str
    id: str = field(default_factory=new_id)
    started: float = field(default_factory=time.perf_counter)
    created_at: float = field(default_factory=time.time)

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0


@dataclass(frozen=True)
class ChatBody:
    """A chat completion body as the client sent it (`raw`) and as JSON, checked once; `payload` is never mutated."""

    raw: bytes
    payload: Mapping[str, Any]
    model: str
    stream: bool
    include_usage: bool

    @classmethod
    def parse(cls, raw: bytes) -> ChatBody:
        """The chat request as JSON, or 400 saying what is wrong with it."""
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise GatewayError(400, f"The request body is not valid JSON ({exc}).", code="invalid_json") from None
        if not isinstance(payload, dict):
            raise GatewayError(400, "The request body must be a JSON object.", code="invalid_json")
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            raise GatewayError(400, "'messages' is required: a non-empty list of chat messages.", code="invalid_messages")
        if any(not isinstance(m, dict) or "role" not in m for m in messages):
            raise GatewayError(400, "Each message needs a 'role' (and usually 'content').", code="invalid_messages")
        if "model" in payload and not isinstance(payload["model"], str):
            raise GatewayError(400, "'model' must be a string.", code="invalid_model")
        if "stream" in payload and not isinstance(payload["stream"], bool):
            raise GatewayError(400, "'stream' must be true or false.", code="invalid_stream")
        options = payload.get("stream_options")
        if options is not None and not isinstance(options, dict):
            raise GatewayError(400, "'stream_options' must be an object like {\"include_usage\": true}.",
                               code="invalid_stream_options")
        return cls(raw=raw, payload=payload, model=payload.get("model") or "", stream=bool(payload.get("stream")),
                   include_usage=bool((options or {}).get("include_usage")))


@dataclass(frozen=True)
class ProxyRequest:
    """One proxied chat request, complete: who sent it, what it asks, where it goes and how long it may take."""

    arrival: Arrival
    key: Key
    chat: ChatBody
    plan: Plan
    timeout_s: float
    user: User | None = None  # named by a key that vouches for users


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
    if value <= 0:
        raise GatewayError(400, "x-request-timeout must be positive.")
    return value
