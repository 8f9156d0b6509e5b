"""What the browser tests share: opening and signing in to the chat and the dashboard, sending a question,
waiting for a turn, the admin API, polling."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import AppStack

T = TypeVar("T")

TIMEOUT_MS = 20_000
ADMIN_LOGIN_URL = re.compile(r"/admin/?\?next=")


def open_chat(page: Page, app: AppStack, path: str = "/", lang: str = "en") -> Page:
    page.add_init_script(f"localStorage.setItem('dictachat_lang', {json.dumps(lang)})")
    page.goto(app.url + path)
    # The model badge (or picker, when the gateway lists several models) is filled from the gateway's
    # /v1/models by the backend: the app is connected.
    expect(page.locator(".chat-header")).to_contain_text("scripted-model", timeout=TIMEOUT_MS)
    return page


def sign_in(page: Page, app: AppStack, name: str, password: str, path: str = "/") -> None:
    """Sign in to the chat with a user account (the chat sends a stranger to /signin first)."""
    page.goto(app.url + path)
    expect(page).to_have_url(re.compile(r"/signin"), timeout=TIMEOUT_MS)
    page.locator("#signin-name").fill(name)
    page.locator("#signin-password").fill(password)
    page.locator("#signin-submit").click()
    expect(page.locator("#account-name")).to_have_text(name, timeout=TIMEOUT_MS)


def send(page: Page, text: str) -> None:
    """Send a new message and wait until the turn has begun (its question is on screen)."""
    questions = page.locator(".msg-user")
    before = questions.count()
    page.locator("#composer").fill(text)
    page.locator("#composer").press("Enter")
    expect(questions).to_have_count(before + 1, timeout=TIMEOUT_MS)


def wait_idle(page: Page) -> None:
    """The turn is over when Send replaces Stop."""
    expect(page.locator("#send-button")).to_be_visible(timeout=TIMEOUT_MS)


def last_answer(page: Page) -> Locator:
    return page.locator(".msg-assistant").last


def poll(predicate: Callable[[], T], timeout_s: float = 15.0) -> T:
    """The predicate's first truthy value, or its last value once `timeout_s` has passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def admin_api(app: AppStack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    resp = httpx.request(method, app.admin_url + path, headers={"X-API-KEY": app.admin_pass}, timeout=10, **kwargs)
    resp.raise_for_status()
    return resp


def open_admin(page: Page, app: AppStack, path: str) -> None:
    page.add_init_script("localStorage.setItem('dictachat_lang', 'en')")
    page.goto(app.url + path)


def admin_sign_in(page: Page, app: AppStack, path: str = "/admin/overview") -> None:
    """Sign in to the dashboard with ADMIN_PASS, landing on `path`."""
    open_admin(page, app, path)
    expect(page).to_have_url(ADMIN_LOGIN_URL, timeout=TIMEOUT_MS)
    page.get_by_test_id("admin-password").fill(app.admin_pass)
    page.get_by_test_id("admin-login").click()
    expect(page).to_have_url(re.compile(re.escape(app.url + path) + "/?$"), timeout=TIMEOUT_MS)
