"""The proxied request, parsed once into frozen values: its arrival, its chat body, and the whole request."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from common.columns import new_id
from common.time_units import MAX_DURATION_S, parse_duration
from gateway.errors import GatewayError
from gateway.models import Key
from gateway.proxy.payload import parse_payload
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
        """The chat request as strict JSON with OpenAI's fields checked, or 400 naming the field that is wrong."""
        payload = parse_payload(raw)
        options = payload.get("stream_options")
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
    cache_key: str | None = None  # set when an identical answer may be served from the cache


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
            value = parse_duration(raw)
        except ValueError:
            raise GatewayError(400, f"x-request-timeout '{raw}' is not a number of seconds or a duration like 30s.") from None
    if not 0 < value <= MAX_DURATION_S:  # also refuses NaN and inf
        raise GatewayError(400, "x-request-timeout must be a positive, finite number of seconds.")
    return value
