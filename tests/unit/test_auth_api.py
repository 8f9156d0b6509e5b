"""The chat's sign-in API: HttpOnly session cookie, slowed and throttled wrong passwords, same-site only."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel
from starlette.testclient import TestClient

from common.db import make_engine
from dictachat.auth import accounts, api
from dictachat.auth.guard import SESSION_COOKIE
from gateway.accounts import users
from gateway.accounts.throttle import SignInThrottle

DELAY_S = 0.05


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'auth.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(accounts, "session", lambda: Session(engine, expire_on_commit=False))
    monkeypatch.setattr(api, "throttle", SignInThrottle(max_per_account=3, max_per_address=10))
    monkeypatch.setattr(api, "FAIL_DELAY_S", DELAY_S)
    with Session(engine) as db:
        users.create_user(db, "dana", "correct horse battery")
    return TestClient(api.auth_api, base_url="http://chat.test")


def sign_in(client: TestClient, name: str, password: str, **extra: str):
    return client.post("/auth/sign-in", data={"name": name, "password": password, **extra})


def test_a_right_password_sets_an_httponly_samesite_cookie_with_an_expiry(client: TestClient) -> None:
    res = sign_in(client, "dana", "correct horse battery", next="/c/abc")
    assert res.status_code == 200 and res.json() == {"next": "/c/abc"}
    cookie = res.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE + "=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie and "path=/" in cookie
    token = client.cookies[SESSION_COOKIE]
    assert accounts.signed_in(token).name == "dana"


def test_next_never_leaves_the_site(client: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "javascript:alert(1)"):
        assert sign_in(client, "dana", "correct horse battery", next=target).json()["next"] == "/"


def test_wrong_passwords_are_slowed_down_then_refused_even_when_right(client: TestClient) -> None:
    for _ in range(3):
        started = time.monotonic()
        res = sign_in(client, "dana", "guess")
        assert res.status_code == 401 and res.json()["error"]["code"] == "wrong_password"
        assert time.monotonic() - started >= DELAY_S  # every wrong answer waits
        assert SESSION_COOKIE not in res.headers.get("set-cookie", "")
    res = sign_in(client, "dana", "correct horse battery")
    assert res.status_code == 429 and res.json()["error"]["code"] == "throttled"
    assert res.json()["retryAfter"] > 0
    assert SESSION_COOKIE not in client.cookies


def test_empty_and_over_long_fields_get_a_clear_400(client: TestClient) -> None:
    assert sign_in(client, "", "x").json()["error"]["code"] == "missing_fields"
    res = sign_in(client, "dana", "x" * 300)
    assert res.status_code == 400 and "256" in res.json()["error"]["message"]


def test_a_cross_site_post_is_refused(client: TestClient) -> None:
    res = client.post("/auth/sign-in", data={"name": "dana", "password": "correct horse battery"},
                      headers={"Origin": "https://evil.example"})
    assert res.status_code == 403


def test_sign_out_everywhere_ends_the_other_browsers_too(client: TestClient) -> None:
    sign_in(client, "dana", "correct horse battery")
    first = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    sign_in(client, "dana", "correct horse battery")
    second = client.cookies[SESSION_COOKIE]
    res = client.post("/auth/sign-out-everywhere")
    assert res.status_code == 200 and res.json() == {"next": "/signin"}
    assert accounts.signed_in(first) is None and accounts.signed_in(second) is None


def test_sign_out_ends_only_this_browser(client: TestClient) -> None:
    sign_in(client, "dana", "correct horse battery")
    first = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    sign_in(client, "dana", "correct horse battery")
    client.post("/auth/sign-out")
    assert accounts.signed_in(first) is not None
    assert SESSION_COOKIE not in client.cookies
