"""The sign-in API of the chat backend: the only place the session cookie is written, so it can
be HttpOnly (Reflex's own cookies are set by page JavaScript, which could also read them)."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dictachat.admin.client import AdminError, admin_client
from dictachat.auth import accounts
from dictachat.auth.guard import SESSION_COOKIE, SIGN_IN_ROUTE
from gateway.accounts.sessions import SESSION_TTL_S
from gateway.accounts.throttle import FAIL_DELAY_S, SignInThrottle

MAX_FIELD = 256
throttle = SignInThrottle()
# The gateway's sign-up refusals the page words itself (page.py); anything else shows as "network".
SIGN_UP_CODES = frozenset({"signup_disabled", "bad_name", "name_taken", "bad_password", "bad_email",
                           "email_required", "wrong_domain", "email_taken"})


def _error(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "auth_error", "code": code}, **extra}, status_code=status)


def _same_origin(request: Request) -> bool:
    """Refuse cross-site form posts (the cookie is SameSite=Lax, this also covers old browsers)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


def _safe_next(target: str) -> str:
    """Only a path on this site: never `//host` or a full URL."""
    return target if target.startswith("/") and not target.startswith("//") and not target.startswith(SIGN_IN_ROUTE) else "/"


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[: 8 * 1024].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


async def sign_in(request: Request) -> JSONResponse:
    if not _same_origin(request):
        return _error(403, "cross_site", "Sign-in must come from this site.")
    form = await _form(request)
    name, password = form.get("name", "").strip(), form.get("password", "")
    if not name or not password:
        return _error(400, "missing_fields", "Enter your user name and password.")
    if len(name) > MAX_FIELD or len(password) > MAX_FIELD:
        return _error(400, "too_long", f"User name and password have at most {MAX_FIELD} characters.")
    address = request.client.host if request.client else ""
    if (wait := throttle.wait_s(name, address)) > 0:
        return _error(429, "throttled", f"Too many failed attempts. Try again in {wait} s.", retryAfter=wait)
    token = await asyncio.to_thread(accounts.sign_in, name, password, address)
    if token is None:
        throttle.failed(name, address)
        await asyncio.sleep(FAIL_DELAY_S)
        return _error(401, "wrong_password", "Wrong user name or password, or the account is disabled.")
    throttle.succeeded(name)
    return _signed_in(request, token, form)


def _signed_in(request: Request, token: str, form: dict[str, str]) -> JSONResponse:
    """The answer that sets the session cookie and says where to go next."""
    response = JSONResponse({"next": _safe_next(form.get("next", "/"))})
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_S, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    return response


async def sign_up(request: Request) -> JSONResponse:
    """Self sign-up through the gateway's accounts API (which refuses it unless AUTH_SIGNUP is on), then
    signed in. Throttled like sign-in: every attempt counts against the address, refusals answer late."""
    if not _same_origin(request):
        return _error(403, "cross_site", "Sign-up must come from this site.")
    form = await _form(request)
    name, email = form.get("name", "").strip(), form.get("email", "").strip()
    password, repeat = form.get("password", ""), form.get("repeat", "")
    if not name or not password:
        return _error(400, "missing_fields", "Enter a user name and a password.")
    if max(len(name), len(email), len(password)) > MAX_FIELD:
        return _error(400, "too_long", f"Each field has at most {MAX_FIELD} characters.")
    if password != repeat:
        return _error(400, "password_mismatch", "The two passwords differ.")
    address = request.client.host if request.client else ""
    if (wait := throttle.wait_s(name, address)) > 0:
        return _error(429, "throttled", f"Too many attempts. Try again in {wait} s.", retryAfter=wait)
    throttle.attempted(address)
    try:
        user = await admin_client().sign_up(name, email, password)
    except AdminError as exc:
        await asyncio.sleep(FAIL_DELAY_S)
        if exc.code in SIGN_UP_CODES:
            return _error(exc.status, exc.code, exc.message)
        if exc.status in (400, 413, 422):  # refused by the gateway's input guard (a NUL, a control character)
            return _error(400, "bad_input", exc.message)
        return _error(503, "network", exc.message)
    token = await asyncio.to_thread(accounts.start_session, user["id"], address)
    return _signed_in(request, token, form)


async def _sign_out(request: Request, everywhere: bool) -> JSONResponse:
    if not _same_origin(request):
        return _error(403, "cross_site", "Sign-out must come from this site.")
    token = request.cookies.get(SESSION_COOKIE, "")
    await asyncio.to_thread(accounts.sign_out, token, everywhere)
    response = JSONResponse({"next": SIGN_IN_ROUTE})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


async def sign_out(request: Request) -> JSONResponse:
    return await _sign_out(request, everywhere=False)


async def sign_out_everywhere(request: Request) -> JSONResponse:
    return await _sign_out(request, everywhere=True)


auth_api = Starlette(routes=[
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/sign-up", sign_up, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
    Route("/auth/sign-out-everywhere", sign_out_everywhere, methods=["POST"]),
])
