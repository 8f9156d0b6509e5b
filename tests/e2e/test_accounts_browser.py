"""Chat accounts in a real browser: sign-in, private conversations (sidebar, URL, a replayed
websocket event), a disabled user's open session, sign-out everywhere, throttled wrong passwords."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect
from sqlalchemy import text

from dictachat.auth.guard import SESSION_COOKIE
from gateway.accounts import users
from tests.e2e.conftest import AppStack, fresh_page
from tests.e2e.helpers import TIMEOUT_MS, send, sign_in, wait_idle

pytestmark = pytest.mark.timeout(900)

CONV_URL = re.compile(r"/c/([0-9a-f-]{36})$")


def conv_id(page: Page) -> str:
    expect(page).to_have_url(CONV_URL, timeout=TIMEOUT_MS)
    match = CONV_URL.search(page.url)
    assert match is not None
    return match.group(1)


def test_the_chat_needs_sign_in_and_the_cookie_is_httponly(browser: Browser, contexts: list, app_stack: AppStack,
                                                           tmp_path) -> None:
    app_stack.create_account("frank", "frank-password")
    page = fresh_page(browser, contexts)
    page.goto(app_stack.url + "/")
    expect(page).to_have_url(re.compile(r"/signin/?$"), timeout=TIMEOUT_MS)
    expect(page.locator(".chat-header")).to_have_count(0)

    page.locator("#signin-name").fill("frank")
    page.locator("#signin-password").fill("not his password")
    page.locator("#signin-submit").click()
    expect(page.locator('[data-auth-code="wrong_password"]')).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "signin.png"))

    page.locator("#signin-password").fill("frank-password")
    page.locator("#signin-submit").click()
    expect(page.locator("#account-name")).to_have_text("frank", timeout=TIMEOUT_MS)
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    assert cookie["value"] not in page.evaluate("document.cookie")
    page.screenshot(path=str(tmp_path / "chat-signed-in.png"))

    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"), timeout=TIMEOUT_MS)
    page.goto(app_stack.url + "/")
    expect(page).to_have_url(re.compile(r"/signin/?$"), timeout=TIMEOUT_MS)


def test_b_never_sees_a_s_conversations(browser: Browser, contexts: list, app_stack: AppStack) -> None:
    app_stack.create_account("alice", "alice-password")
    app_stack.create_account("bob", "bob-password")
    secret = "alice secret plans for the picnic"

    a = fresh_page(browser, contexts)
    sign_in(a, app_stack, "alice", "alice-password")
    send(a, secret)
    wait_idle(a)
    alice_conv = conv_id(a)

    b = fresh_page(browser, contexts)
    swap: dict[str, str] = {}
    received: list[str] = []

    def replay(ws: WebSocketRoute) -> None:
        """Bob's own websocket events, rewritten to carry Alice's conversation id: a crafted event."""
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str):
                for mine, theirs in swap.items():
                    message = message.replace(mine, theirs)
            server.send(message)

        def to_page(message: str | bytes) -> None:
            received.append(str(message))
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    b.route_web_socket(re.compile(r".*/_event.*"), replay)
    sign_in(b, app_stack, "bob", "bob-password")

    # Not in the sidebar.
    expect(b.locator(".conv")).to_have_count(0)
    # Not by URL.
    b.goto(app_stack.url + f"/c/{alice_conv}")
    expect(b.locator(".welcome")).to_be_visible(timeout=TIMEOUT_MS)
    expect(b).to_have_url(app_stack.url + "/")
    expect(b.locator(".msg-user")).to_have_count(0)

    # Not by replaying her id in a websocket event: open, rename and delete Bob's own conversation,
    # with every frame carrying Alice's id instead.
    send(b, "bob's own question")
    wait_idle(b)
    bob_conv = conv_id(b)
    b.locator(".new-chat-btn").click()
    expect(b.locator(".welcome")).to_be_visible(timeout=TIMEOUT_MS)
    swap[bob_conv] = alice_conv
    b.locator(".conv", has_text="bob's own question").locator(".conv-link").click()
    b.wait_for_timeout(1500)  # the (rewritten) event's answer has arrived: nothing to show
    expect(b.locator(".msg-user")).to_have_count(0)
    expect(b.locator(".welcome")).to_be_visible()

    item = b.locator(".conv", has_text="bob's own question")
    item.hover()
    item.locator(".conv-menu").click()
    b.get_by_role("menuitem", name="Rename").click()
    b.locator("#rename-input").fill("taken over")
    b.locator("#rename-input").press("Enter")
    item = b.locator(".conv", has_text="bob's own question")
    item.hover()
    item.locator(".conv-menu").click()
    b.get_by_role("menuitem", name="Delete").click()
    b.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    b.wait_for_timeout(1500)

    assert received, "the websocket route saw no frames"
    assert not any(secret in frame or "picnic" in frame for frame in received)
    assert secret not in b.content()

    a.reload()
    expect(a.locator(".msg-user .bubble")).to_have_text(secret, timeout=TIMEOUT_MS)
    expect(a.locator(".conv .conv-title")).to_have_text([secret])


def test_a_disabled_users_open_session_stops_working(browser: Browser, contexts: list, app_stack: AppStack,
                                                     tmp_path) -> None:
    carol_id = app_stack.create_account("carol", "carol-password")
    page = fresh_page(browser, contexts)
    sign_in(page, app_stack, "carol", "carol-password")
    send(page, "before being disabled")
    wait_idle(page)
    conv = conv_id(page)

    with app_stack.accounts_db() as db:
        users.set_disabled(db, carol_id, True)
    page.locator("#composer").fill("after being disabled")
    page.locator("#composer").press("Enter")
    expect(page).to_have_url(re.compile(r"/signin"), timeout=TIMEOUT_MS)
    expect(page.locator("#session-ended")).to_contain_text("Your session has ended", timeout=TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "session-ended.png"))
    with app_stack.accounts_db() as db:
        stored = db.execute(text("SELECT content FROM messages WHERE conversation_id = :c AND role = 'user'"),
                            {"c": conv}).scalars().all()
    assert stored == ["before being disabled"]

    page.locator("#signin-name").fill("carol")
    page.locator("#signin-password").fill("carol-password")
    page.locator("#signin-submit").click()
    expect(page.locator('[data-auth-code="wrong_password"]')).to_be_visible(timeout=TIMEOUT_MS)


def test_sign_out_everywhere_ends_the_other_browser(browser: Browser, contexts: list, app_stack: AppStack) -> None:
    app_stack.create_account("dave", "dave-password")
    laptop, phone = fresh_page(browser, contexts), fresh_page(browser, contexts)
    sign_in(laptop, app_stack, "dave", "dave-password")
    sign_in(phone, app_stack, "dave", "dave-password")
    laptop.locator("#sign-out-everywhere").click()
    expect(laptop).to_have_url(re.compile(r"/signin/?$"), timeout=TIMEOUT_MS)
    phone.locator("#composer").fill("still there?")
    phone.locator("#composer").press("Enter")
    expect(phone).to_have_url(re.compile(r"/signin"), timeout=TIMEOUT_MS)


def test_wrong_passwords_are_throttled_and_the_database_holds_no_password(browser: Browser, contexts: list,
                                                                           app_stack: AppStack) -> None:
    app_stack.create_account("erin", "erin-password")
    page = fresh_page(browser, contexts)
    page.goto(app_stack.url + "/signin")
    page.locator("#signin-name").fill("erin")
    for attempt in range(5):
        page.locator("#signin-password").fill(f"guess number {attempt}")
        page.locator("#signin-submit").click()
        expect(page.locator('[data-auth-code="wrong_password"]')).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#signin-submit")).to_be_enabled(timeout=TIMEOUT_MS)
    page.locator("#signin-password").fill("erin-password")
    page.locator("#signin-submit").click()
    throttled = page.locator('[data-auth-code="throttled"]')
    expect(throttled).to_be_visible(timeout=TIMEOUT_MS)
    expect(throttled).to_contain_text(re.compile(r"Try again in \d+"))
    expect(page).to_have_url(re.compile(r"/signin/?$"))

    with app_stack.accounts_db() as db:
        rows = db.execute(text("SELECT * FROM users")).mappings().all()
    dump = " ".join(str(v) for row in rows for v in row.values())
    for password in ("erin-password", "tester-password", "alice-password", "bob-password", "carol-password"):
        assert password not in dump
    assert all(row["password_hash"].startswith("$argon2id$") for row in rows)
