"""Browser tests: Debian Chromium, and the whole stack (scripted upstream → gateway → dictachat).

The Reflex production build is slow, so `app_stack` builds and starts dictachat once per test
session; the chat and admin tests share it.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlmodel import Session

from common.db import make_engine
from dictachat.auth.guard import SESSION_COOKIE
from gateway.accounts import sessions, users
from gateway.event import ProxyEvent
from gateway.events import write_rows
from tests.support import (
    REDIS_URL,
    Child,
    Gateway,
    Upstream,
    create_database,
    drop_database,
    free_port,
    start_gateway,
    start_upstream,
    wait_http,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Where test.sh / start.sh install bun (npm registry) unless REFLEX_BUN_PATH says otherwise.
BUN = os.environ.get("REFLEX_BUN_PATH") or str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dictachat" / "bun" / "bin" / "bun"
)
BUILD_TIMEOUT_S = 900
TESTER = "tester"  # the account every `page` is signed in as


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}}


@pytest.fixture
def context(context: BrowserContext, request: pytest.FixtureRequest) -> BrowserContext:
    """Each test's `page` is signed in to the chat of the stack it uses, as the shared test account
    (tests of sign-in itself open contexts of their own with `fresh_page`)."""
    for name in ("app_stack", "real_app"):
        if name in request.fixturenames:
            stack = request.getfixturevalue(name)
            sign_in_tester(context, stack.url, stack.gateway.database_url)
    return context


def sign_in_tester(context: BrowserContext, url: str, database_url: str) -> None:
    """Give `context` a session cookie of the account "tester" (created on first use) for the chat at `url`."""
    with Session(make_engine(database_url), expire_on_commit=False) as db:
        user = users.find_by_name(db, TESTER) or users.create_user(db, TESTER, "tester-password")
        token = sessions.start(db, user.id, "127.0.0.1")
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url, "httpOnly": True, "sameSite": "Lax"}])


@dataclass
class AppStack:
    """URLs and secrets of the running stack."""

    url: str  # dictachat (Reflex, single port)
    gateway_url: str  # proxy API
    admin_url: str  # admin API
    admin_pass: str
    frontend_key: str
    upstream_url: str
    database_url: str
    upstream: Upstream
    gateway: Gateway
    app: Child

    def accounts_db(self) -> Session:
        """A session on the stack's database, for creating and changing chat accounts in tests."""
        return Session(make_engine(self.database_url), expire_on_commit=False)

    def create_account(self, name: str, password: str, role: str = "user") -> str:
        with self.accounts_db() as db:
            return users.create_user(db, name, password, role=role).id

    def add_events(self, model: str, user_ids: Sequence[str]) -> None:
        """One stored event of `model` per entry of `user_ids` ("" = no user), a second apart, the newest a
        minute ago: written as the recorder writes them (rows and rollups in one transaction)."""
        now = time.time()
        rows = [ProxyEvent(id=str(uuid.uuid4()), created_at=now - 60 - i, key_id="", provider="p", model=model,
                           path="/v1/chat/completions", method="POST", status=200, latency_in_ms=5.0,
                           user_id=user_id).row() for i, user_id in enumerate(user_ids)]
        engine = make_engine(self.database_url)
        write_rows(engine, rows)
        engine.dispose()



def start_dictachat(log_dir: Path, work_dir: Path, gateway: Gateway, **extra_env: str) -> tuple[str, Child]:
    """Build and serve dictachat in production mode on a free port.

    The build goes to `work_dir`, not the checkout's `.web`, so a dictachat already running from
    the same checkout (./start.sh) keeps serving its own build.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": gateway.database_url,
        "GATEWAY_URL": gateway.proxy_url,
        "GATEWAY_ADMIN_URL": gateway.admin_url,
        "ADMIN_PASS": gateway.admin_pass,
        "FRONTEND_API_KEY": gateway.frontend_key,
        "REFLEX_BUN_PATH": BUN,
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_WEB_WORKDIR": str(work_dir / "web"),
        "REFLEX_STATES_WORKDIR": str(work_dir / "states"),
        **extra_env,
    }
    args = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)]
    child = Child(args, env, log_dir / f"dictachat-{port}.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/ping", BUILD_TIMEOUT_S, child.proc)
        wait_http(url + "/", 60, child.proc)
    except Exception as exc:
        child.stop()
        raise RuntimeError(f"dictachat did not start: {exc}\n{child.log()[-4000:]}") from exc
    return url, child


@pytest.fixture(scope="session")
def app_stack(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppStack]:
    upstream = start_upstream(log_dir, "e2e-upstream")
    database_url = create_database()
    # Self sign-up on (off by default): the sign-up test uses it; sign-in is the same form either way.
    gateway = start_gateway(log_dir, database_url, upstream.url, REDIS_URL, f"e2e:{uuid.uuid4().hex[:8]}:",
                            AUTH_SIGNUP="true")
    try:
        url, app = start_dictachat(log_dir, tmp_path_factory.mktemp("dictachat"), gateway)
    except Exception:
        gateway.child.stop()
        upstream.child.stop()
        drop_database(database_url)
        raise
    yield AppStack(url, gateway.proxy_url, gateway.admin_url, gateway.admin_pass, gateway.frontend_key, upstream.url,
                   database_url, upstream, gateway, app)
    app.stop()
    gateway.child.stop()
    upstream.child.stop()
    drop_database(database_url)


@pytest.fixture
def contexts() -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens with `fresh_page`; closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def fresh_page(browser: Browser, contexts: list[BrowserContext]) -> Page:
    """A browser context of its own, without the shared test account's cookie, in English."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script("localStorage.setItem('dictachat_lang', 'en')")
    contexts.append(context)
    return context.new_page()
