"""Calls to the gateway's proxy API from the Reflex backend (the frontend key stays server-side)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from common.settings import get_settings
from common.stream import SSEDecoder
from dictachat.ui.http import client

# Error kinds the chat shows as sentences (labels `chat.err.<kind>`).
RATE_LIMIT, UNAVAILABLE, AUTH, TIMEOUT, CUT, GENERIC = "rate_limit", "unavailable", "auth", "timeout", "cut", "generic"
USER_LIMIT = "user_limit"  # the signed-in user's own limit (the gateway's user_* codes), not everyone's

_MODELS_TTL_S = 60.0
_models_cache: tuple[float, list[str]] = (0.0, [])


class ChatError(Exception):
    """A failed request, classified for the user."""

    def __init__(self, kind: str, detail: str = "", retry_after: int = 0) -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {get_settings().chat.frontend_api_key}"}


def _url(path: str) -> str:
    return get_settings().chat.gateway_url.rstrip("/") + path


def _retry_after(headers: httpx.Headers) -> int:
    value = headers.get("retry-after", "")
    try:
        return max(1, round(float(value)))
    except ValueError:
        return 0


def error_from_response(status: int, body: bytes, headers: httpx.Headers) -> ChatError:
    """Classify a non-200 gateway answer (OpenAI error shape) into a ChatError."""
    code = ""
    try:
        error = json.loads(body)["error"]
        detail, code = str(error["message"]), str(error.get("code") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        detail = body.decode("utf-8", "replace")[:300] or f"HTTP {status}"
    if status == 429 and code.startswith("user_"):
        return ChatError(USER_LIMIT, detail, _retry_after(headers))
    if status == 429:
        return ChatError(RATE_LIMIT, detail, _retry_after(headers))
    if status in (401, 403):
        return ChatError(AUTH, detail)
    if status == 504:
        return ChatError(TIMEOUT, detail)
    if status in (500, 502, 503):
        return ChatError(UNAVAILABLE, detail)
    return ChatError(GENERIC, detail)


async def stream_chat(body: dict[str, Any]) -> AsyncIterator[str]:
    """POST a streaming chat completion; yield each SSE `data:` payload as it arrives.

    Closing or cancelling the iteration closes the HTTP stream, which cancels the upstream request.
    """
    try:
        async with client().stream("POST", _url("/v1/chat/completions"), json={**body, "stream": True}, headers=_headers()) as resp:
            if resp.status_code != 200:
                raise error_from_response(resp.status_code, await resp.aread(), resp.headers)
            decoder = SSEDecoder()
            async for text in resp.aiter_text():
                for payload in decoder.feed(text):
                    yield payload
            for payload in decoder.close():
                yield payload
    except httpx.ConnectError as exc:
        raise ChatError(UNAVAILABLE, f"gateway unreachable: {exc}") from None
    except httpx.TimeoutException as exc:
        raise ChatError(TIMEOUT, str(exc) or "timeout") from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise ChatError(CUT, str(exc) or "connection closed") from None


async def list_models() -> list[str]:
    """Model ids the gateway offers (cached for a minute; empty when it cannot say)."""
    global _models_cache
    fetched_at, models = _models_cache
    if models and time.monotonic() - fetched_at < _MODELS_TTL_S:
        return models
    try:
        resp = await client().get(_url("/v1/models"), headers=_headers(), timeout=5.0)
        resp.raise_for_status()
        models = [str(m["id"]) for m in resp.json().get("data", []) if m.get("id")]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
        return models
    _models_cache = (time.monotonic(), models)
    return models
