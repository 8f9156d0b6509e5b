"""Self sign-up through the gateway's accounts API on real PostgreSQL: off by default, on, limited to a
domain; bad and duplicate input each refused with its status, a sentence and a code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from sqlmodel import Session

from common.db import make_engine
from common.settings import Settings
from gateway.accounts.users import authenticate
from gateway.admin.app import create_admin_app
from gateway.context import Context
from gateway.models import User
from gateway.store import LocalStore
from tests.integration.test_admin_api import PASSWORD, _uid

pytestmark = pytest.mark.asyncio

Gateway = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def gateway(pg_url: str) -> Gateway:
    """An admin API in-process on PostgreSQL with the given sign-up settings."""

    @asynccontextmanager
    async def start(**signup: object) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings.load(admin_pass=PASSWORD, database_url=pg_url, redis_url="", **signup)
        ctx = Context(settings=settings, store=LocalStore(), engine=make_engine(pg_url))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_admin_app(ctx)), base_url="http://admin",
                                     headers={"X-API-KEY": PASSWORD}) as http:
            yield http
        ctx.engine.dispose()

    return start


def _refused(resp: httpx.Response, status: int, code: str) -> str:
    """Assert the status and code of a refusal; return its sentence."""
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code, error
    return str(error["message"])


async def test_sign_up_is_off_by_default(gateway: Gateway) -> None:
    async with gateway() as http:
        assert (await http.get("/api/users/sign-up")).json() == {"enabled": False, "domain": ""}
        name = f"u{_uid()}"
        message = _refused(await http.post("/api/users/sign-up", json={"name": name, "password": "long enough pw"}),
                           403, "signup_disabled")
        assert "sign-up is off" in message
        assert (await http.get("/api/users", params={"name": name})).json() == []


async def test_a_signed_up_account_is_a_user_with_a_hashed_password(gateway: Gateway, pg_url: str) -> None:
    async with gateway(auth_signup=True) as http:
        assert (await http.get("/api/users/sign-up")).json() == {"enabled": True, "domain": ""}
        name = f"u{_uid()}"
        res = await http.post("/api/users/sign-up", json={"name": name, "password": "long enough pw"})
        assert res.status_code == 200, res.text
        made = res.json()
        assert (made["name"], made["role"], made["disabled"], made["email"], made["password"]) == (name, "user", False, "", None)
        # Whatever else the body says, a sign-up never makes an admin.
        sneaky = await http.post("/api/users/sign-up", json={"name": f"s{_uid()}", "password": "long enough pw", "role": "admin"})
        assert sneaky.json()["role"] == "user"
    with Session(make_engine(pg_url)) as db:
        row = db.get(User, made["id"])
        assert row is not None and row.password_hash.startswith("$argon2id$") and "long enough pw" not in row.password_hash
        assert authenticate(db, name, "long enough pw") is not None


async def test_bad_and_duplicate_sign_ups_say_what_to_fix(gateway: Gateway) -> None:
    async with gateway(auth_signup=True) as http:
        async def sign_up(**body: str) -> httpx.Response:
            return await http.post("/api/users/sign-up", json={"name": f"u{_uid()}", "password": "long enough pw", **body})

        name, email = f"dup{_uid()}", f"dup{_uid()}@example.org"
        assert (await sign_up(name=name, email=email)).status_code == 200
        assert "taken" in _refused(await sign_up(name=name.upper()), 409, "name_taken")
        assert "address exists" in _refused(await sign_up(email=email.upper()), 409, "email_taken")
        assert "must not be empty" in _refused(await sign_up(name="  "), 400, "bad_name")
        assert "1-64" in _refused(await sign_up(name="x" * 65), 400, "bad_name")
        assert "1-64" in _refused(await sign_up(name="has space"), 400, "bad_name")
        assert "at least 8" in _refused(await sign_up(password="short"), 400, "bad_password")
        assert "at most 256" in _refused(await sign_up(password="p" * 257), 400, "bad_password")
        assert "e-mail" in _refused(await sign_up(email="not an address"), 400, "bad_email")
        assert "e-mail" in _refused(await sign_up(email="a@" + "b" * 250 + ".org"), 400, "bad_email")
        assert (await sign_up(name="x" * 2000)).status_code == 400  # past the body's own bound


async def test_a_domain_limits_who_may_sign_up(gateway: Gateway) -> None:
    async with gateway(auth_signup=True, auth_signup_domain="@Example.ORG") as http:
        assert (await http.get("/api/users/sign-up")).json() == {"enabled": True, "domain": "example.org"}
        async def sign_up(email: str) -> httpx.Response:
            return await http.post("/api/users/sign-up", json={"name": f"u{_uid()}", "password": "long enough pw", "email": email})

        assert "@example.org is required" in _refused(await sign_up(""), 400, "email_required")
        assert "only addresses @example.org" in _refused(await sign_up("dana@example.com"), 400, "wrong_domain")
        assert "only addresses @example.org" in _refused(await sign_up("dana@evil.example.org"), 400, "wrong_domain")
        res = await sign_up(f"Dana{_uid()}@EXAMPLE.org")
        assert res.status_code == 200 and res.json()["role"] == "user"


async def test_sign_up_needs_the_admin_password_like_every_admin_call(gateway: Gateway) -> None:
    async with gateway(auth_signup=True) as http:
        res = await http.post("/api/users/sign-up", json={"name": f"u{_uid()}", "password": "long enough pw"},
                              headers={"X-API-KEY": ""})
        assert res.status_code == 401
