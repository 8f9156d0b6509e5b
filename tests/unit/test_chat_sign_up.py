"""The chat's sign-up API through the gateway's accounts API (in-process, SQLite): signed in at once,
refusals passed on with their code, every attempt counted against the address, mismatched passwords."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from common.db import make_engine
from common.settings import Settings
from dictachat.admin.client import AdminClient
from dictachat.auth import accounts, api
from dictachat.auth.guard import SESSION_COOKIE
from gateway.accounts.throttle import SignInThrottle
from gateway.admin.app import create_admin_app
from gateway.context import Context
from gateway.models import User
from gateway.store import LocalStore

DELAY_S = 0.05
PASSWORD = "admin-pass-for-tests"


def _chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **signup: object) -> TestClient:
    url = f"sqlite:///{tmp_path / 'signup.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    gateway = create_admin_app(Context(settings=Settings.load(None, admin_pass=PASSWORD, database_url=url, **signup),
                                       store=LocalStore(), engine=engine))
    monkeypatch.setattr(api, "admin_client", lambda: AdminClient(
        "http://admin", PASSWORD, http=httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway))))
    monkeypatch.setattr(accounts, "session", lambda: Session(engine, expire_on_commit=False))
    monkeypatch.setattr(api, "throttle", SignInThrottle(max_per_address=4))
    monkeypatch.setattr(api, "FAIL_DELAY_S", DELAY_S)
    return TestClient(api.auth_api, base_url="http://chat.test")


def sign_up(chat: TestClient, name: str, password: str = "long enough pw", **extra: str) -> httpx.Response:
    return chat.post("/auth/sign-up", data={"name": name, "password": password, "repeat": password, **extra})


def test_signing_up_signs_in_as_a_new_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _chat(tmp_path, monkeypatch, auth_signup=True)
    res = sign_up(chat, "dana", next="/c/abc")
    assert res.status_code == 200 and res.json() == {"next": "/c/abc"}
    assert "httponly" in res.headers["set-cookie"].lower()
    account = accounts.signed_in(chat.cookies[SESSION_COOKIE])
    assert account is not None and (account.name, account.role) == ("dana", "user")


def test_when_off_the_gateways_refusal_comes_back_late_and_nothing_is_made(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _chat(tmp_path, monkeypatch)
    started = time.monotonic()
    res = sign_up(chat, "dana")
    assert res.status_code == 403 and res.json()["error"]["code"] == "signup_disabled"
    assert time.monotonic() - started >= DELAY_S
    assert SESSION_COOKIE not in chat.cookies
    with accounts.session() as db:
        assert db.exec(select(User)).all() == []


def test_each_bad_input_has_its_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _chat(tmp_path, monkeypatch, auth_signup=True, auth_signup_domain="example.org")
    monkeypatch.setattr(api, "throttle", SignInThrottle(max_per_address=100))
    assert sign_up(chat, "", "").json()["error"]["code"] == "missing_fields"
    assert sign_up(chat, "x" * 300).json()["error"]["code"] == "too_long"
    mismatch = chat.post("/auth/sign-up", data={"name": "dana", "password": "long enough pw", "repeat": "long enough pW"})
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == "password_mismatch"
    assert sign_up(chat, "dana").json()["error"]["code"] == "email_required"
    assert sign_up(chat, "dana", email="dana@example.com").json()["error"]["code"] == "wrong_domain"
    assert sign_up(chat, "dana", "short", email="dana@example.org").json()["error"]["code"] == "bad_password"
    assert sign_up(chat, "dana", email="dana@example.org").status_code == 200
    chat.cookies.clear()
    taken = sign_up(chat, "DANA", email="other@example.org")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "name_taken"
    nul = sign_up(chat, "eli", email="e\x00li@example.org")
    assert nul.status_code == 400 and nul.json()["error"]["code"] == "bad_input"


def test_every_attempt_counts_against_the_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _chat(tmp_path, monkeypatch, auth_signup=True)
    for n in range(4):
        assert sign_up(chat, f"user{n}").status_code == 200
        chat.cookies.clear()
    res = sign_up(chat, "user4")
    assert res.status_code == 429 and res.json()["error"]["code"] == "throttled" and res.json()["retryAfter"] > 0
    # Signing up under someone's name does not lock that person's sign-in.
    assert api.throttle.wait_s("user0", "other-address") == 0


def test_an_unreachable_gateway_is_a_sentence_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = _chat(tmp_path, monkeypatch, auth_signup=True)
    monkeypatch.setattr(api, "admin_client", lambda: AdminClient("http://127.0.0.1:9", PASSWORD))
    res = sign_up(chat, "dana")
    assert res.status_code == 503 and res.json()["error"]["code"] == "network"
