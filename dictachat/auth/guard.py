"""Who sent this event: the session cookie from the websocket's request headers, checked against
the database on every call (so a disabled user or a signed-out session stops at the next event)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from common.settings import get_settings
from dictachat.auth import accounts
from gateway.accounts.users import Account

SESSION_COOKIE = "dictachat_session"
SIGN_IN_ROUTE = "/signin"


def session_token(cookie_header: str) -> str:
    """Our cookie's value from a Cookie header. Split by hand: http.cookies drops every cookie of a
    header once one value is unusual (a space, JSON), and the page sets cookies of its own."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value.strip().strip('"')
    return ""


def trusted_identity(headers: Mapping[str, str], client_ip: str, header: str, proxies: str) -> str:
    """Who a single sign-on proxy says this is: the `header` value, only when the setting is on and
    the connection comes from one of the comma-separated `proxies`; else ""."""
    if not header or client_ip not in {p.strip() for p in proxies.split(",") if p.strip()}:
        return ""
    wanted = header.lower()
    return next((value.strip() for name, value in headers.items() if name.lower() == wanted), "")


async def current_account(state: rx.State) -> Account | None:
    """The signed-in account of the browser that sent the event being handled, or None: its session
    cookie, else (when AUTH_TRUSTED_HEADER is set) the identity a trusted proxy sent."""
    account = await asyncio.to_thread(accounts.signed_in, session_token(state.router.headers.cookie))
    if account is not None:
        return account
    chat = get_settings().chat
    identity = trusted_identity(state.router.headers.raw_headers, state.router.session.client_ip,
                                chat.auth_trusted_header, chat.auth_trusted_proxies)
    return await asyncio.to_thread(accounts.trusted, identity) if identity else None


def to_sign_in(back_to: str = "/", ended: bool = False) -> EventSpec:
    """To the sign-in page, coming back to `back_to`; `ended` says a session ended mid-use (signed out
    elsewhere, disabled), so the page tells the person why."""
    query = [f"next={quote(back_to)}"] if back_to not in ("", "/") else []
    if ended:
        query.append("ended=1")
    return rx.redirect(SIGN_IN_ROUTE + ("?" + "&".join(query) if query else ""))
