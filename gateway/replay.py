"""A request body read ahead of the app (to check it first), handed to the app as if it came from the client."""

from __future__ import annotations

from starlette.types import Message, Receive


def replay_body(body: bytes, then: Receive) -> Receive:
    """An ASGI `receive` that gives the whole `body` as one message, then what `then` receives (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
