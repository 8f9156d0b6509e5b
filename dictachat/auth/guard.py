"""Who sent this event: the session cookie from the websocket's request headers, checked against
the database on every call (so a disabled user or a signed-out session stops at the next event)."""

from __future__ import annotations

import asyncio
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from dictachat.auth import accounts
from gateway.accounts.users import Account

SESSION_COOKIE = "dictachat_session"
SIGN_IN_ROUTE = "/signin"


def session_token(cookie_header: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return ""
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else ""


async def current_account(state: rx.State) -> Account | None:
    """The signed-in account of the browser that sent the event being handled, or None."""
    return await asyncio.to_thread(accounts.signed_in, session_token(state.router.headers.cookie))


def to_sign_in(back_to: str = "/") -> EventSpec:
    return rx.redirect(f"{SIGN_IN_ROUTE}?next={quote(back_to)}" if back_to not in ("", "/") else SIGN_IN_ROUTE)
