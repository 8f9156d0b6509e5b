"""Admin input checked before any endpoint runs: body size, strict JSON, query and path text, 64-bit integers.

A refused request never reaches a handler, so nothing is half-written. Text may not carry NUL, lone surrogates
or control characters other than tab, newline and carriage return (refused, not stripped).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import GatewayError
from gateway.jsonbody import INT64_MAX, INT64_MIN, check_text, parse_json
from gateway.replay import replay_body

_INTEGER = re.compile(r"[+-]?\d+")


class AdminInputGuard:
    """ASGI middleware in front of the admin app; answers 400/413 in the OpenAI error shape."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_target(scope)
            body = await self._read_body(scope, receive)
            if body.strip():
                parse_json(body, refuse_controls=True)
        except GatewayError as err:
            await err.response()(scope, receive, send)
            return
        await self.app(scope, replay_body(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.max_body_bytes
        too_big = GatewayError(413, f"Request body too large: the admin API accepts at most {limit:,} bytes "
                                    "(ADMIN_MAX_BODY_BYTES).", code="body_too_large")
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks)


def check_target(scope: Scope) -> None:
    """400 for a path or query value that is not UTF-8 text, carries control characters, or an integer beyond 64 bits."""
    check_text(str(scope.get("path", "")), "the URL path", refuse_controls=True)
    for pair in (scope.get("query_string") or b"").split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name, value = _decode_query(raw_name, "a query parameter name"), _decode_query(raw_value, "query parameter")
        where = f"query parameter {name}"
        check_text(name, where, refuse_controls=True)
        check_text(value, where, refuse_controls=True)
        number = value.strip()
        # Length first: int() of thousands of digits is slow, and anything past 20 digits is out of range anyway.
        if _INTEGER.fullmatch(number) and (len(number) > 21 or not INT64_MIN <= int(number) <= INT64_MAX):
            raise GatewayError(400, f"'{where}' is out of range: integers must fit in 64 bits.", code="out_of_range")


def _decode_query(raw: bytes, what: str) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise GatewayError(400, f"A {what} is not valid UTF-8 once percent-decoded.", code="invalid_encoding") from None
