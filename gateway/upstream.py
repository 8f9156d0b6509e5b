"""Moves bytes to and from OpenAI-compatible upstreams on one shared aiohttp session."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from common.usage import TokenUsage
from gateway.context_limit import overflow_error
from gateway.errors import GatewayError


@dataclass
class Answer:
    """What the proxy learns from an upstream's answer: usage, the model that answered, first byte, a broken stream."""

    usage: TokenUsage | None = None  # None until the upstream reports it
    model: str = ""
    first_token_at: float | None = None
    error: str = ""
    done: bool = False


class UpstreamFailure(Exception):
    """An attempt that failed before any byte reached the client: safe to retry elsewhere."""

    def __init__(self, status: int, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retryable = retryable


def api_url(base: str, path: str) -> str:
    """`base` + `/v1` + `path`; deployments are listed with or without their `/v1`."""
    base = base.rstrip("/")
    return base + path if base.endswith("/v1") else base + "/v1" + path


def make_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None), auto_decompress=True)


def _headers(api_key: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


async def open_response(
    session: aiohttp.ClientSession, url: str, body: bytes, api_key: str, timeout_s: float
) -> aiohttp.ClientResponse:
    """POST `body` to `url`; upstream 5xx and connection errors become retryable UpstreamFailures."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=min(10.0, timeout_s), sock_read=timeout_s)
    try:
        resp = await session.post(url, data=body, headers=_headers(api_key), timeout=timeout)
    except TimeoutError as exc:
        raise UpstreamFailure(504, f"The model server at {url} did not answer within {timeout_s:g} s.", True) from exc
    except aiohttp.ClientConnectionError as exc:
        raise UpstreamFailure(503, f"The model server at {url} is not reachable ({exc.__class__.__name__}).", True) from exc
    if resp.status >= 500:
        text = (await resp.text(errors="replace"))[:500]
        resp.release()
        raise UpstreamFailure(502, f"The model server answered {resp.status}: {text}", True)
    return resp


async def read_json(resp: aiohttp.ClientResponse, timeout_s: float) -> tuple[bytes, dict[str, Any]]:
    """The whole body of a non-streaming response and its parsed JSON."""
    try:
        raw = await asyncio.wait_for(resp.read(), timeout_s)
    except TimeoutError as exc:
        raise UpstreamFailure(504, f"The model server did not finish within {timeout_s:g} s.", True) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamFailure(502, f"The model server closed the connection ({exc.__class__.__name__}).", True) from exc
    finally:
        resp.release()
    try:
        return raw, json.loads(raw)
    except ValueError as exc:
        raise UpstreamFailure(502, "The model server sent a response that is not JSON.", False) from exc


def upstream_client_error(status: int, raw: bytes) -> GatewayError:
    """An upstream 4xx, passed on with its own message in our error shape."""
    try:
        payload = json.loads(raw)
        err = payload.get("error")
        if isinstance(err, dict) and (overflow := overflow_error(err)) is not None:
            return overflow
        message = err.get("message") if isinstance(err, dict) else str(err or payload)
    except ValueError:
        message = raw.decode(errors="replace")[:500]
    return GatewayError(status, f"The model server rejected the request: {message}", code="upstream_rejected")


async def relay_events(
    resp: aiohttp.ClientResponse, state: Answer, strip_usage: bool, clock: Callable[[], float]
) -> AsyncIterator[bytes]:
    """Yield each SSE event as it arrives, unchanged; note usage, first token time and errors."""
    buffer = b""
    try:
        async for data in resp.content.iter_any():
            if state.first_token_at is None:
                state.first_token_at = clock()
            buffer += data
            out: list[bytes] = []
            while True:
                cut = buffer.find(b"\n\n")
                if cut < 0:
                    break
                event, buffer = buffer[: cut + 2], buffer[cut + 2 :]
                if b'"usage"' in event and _note_usage(event, state) and strip_usage:
                    continue
                if event.startswith(b"data: [DONE]"):
                    state.done = True
                out.append(event)
            if out:
                yield b"".join(out)
        if buffer.strip():
            yield buffer
        if not state.done:
            state.error = "The model server ended the stream before it was complete."
    except (TimeoutError, aiohttp.ClientError) as exc:
        state.error = f"The model server connection broke mid-stream ({exc.__class__.__name__})."
    finally:
        resp.release()
    if state.error:
        payload = {"error": {"message": state.error, "type": "upstream_error", "code": "upstream_stream_broken"}}
        yield f"data: {json.dumps(payload)}\n\n".encode()


def _note_usage(event: bytes, state: Answer) -> bool:
    """Record usage from a `data:` event; True if the event is a usage-only chunk (no choices)."""
    for line in event.split(b"\n"):
        if line.startswith(b"data: {"):
            try:
                payload = json.loads(line[6:])
            except ValueError:
                return False
            state.usage = TokenUsage.of(payload) or state.usage
            state.model = str(payload.get("model") or state.model)
            return not payload.get("choices")
    return False
