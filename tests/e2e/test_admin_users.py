"""The dashboard's Users page in a real browser: an admin account signs in, creates a user with limits of
their own who then chats, edits those limits (a cost per period among them), and disabling that user ends their
open session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import text

from tests.e2e.conftest import AppStack, fresh_page
from tests.e2e.helpers import TIMEOUT_MS, admin_api, poll, send, sign_in, wait_idle

pytestmark = pytest.mark.timeout(900)


def gina_events(app: AppStack, user_id: str | None) -> int:
    with app.accounts_db() as db:
        return int(db.execute(text("SELECT count(*) FROM events WHERE user_id = :u"), {"u": user_id}).scalar_one())


def gina_limits(app: AppStack, user_id: str | None) -> tuple[int, int, str]:
    with app.accounts_db() as db:
        row = db.execute(text("SELECT max_concurrent_requests, token_limit_over_time, token_limit_unit FROM users "
                              "WHERE id = :u"), {"u": user_id}).one()
        return int(row[0]), int(row[1]), str(row[2])


def test_admin_account_manages_users_in_the_dashboard(browser: Browser, contexts: list, app_stack: AppStack,
                                                      tmp_path) -> None:
    app_stack.create_account("boss", "boss-password", role="admin")
    admin = fresh_page(browser, contexts)
    admin.goto(app_stack.url + "/admin")
    admin.get_by_test_id("admin-account-login").click()
    expect(admin).to_have_url(re.compile(r"/signin"), timeout=TIMEOUT_MS)
    admin.locator("#signin-name").fill("boss")
    admin.locator("#signin-password").fill("boss-password")
    admin.locator("#signin-submit").click()
    expect(admin).to_have_url(re.compile(r"/admin/overview/?$"), timeout=TIMEOUT_MS)
    expect(admin.get_by_test_id("admin-logout").first).to_be_visible(timeout=TIMEOUT_MS)

    admin.goto(app_stack.url + "/admin/users")
    expect(admin.get_by_test_id("user-row").first).to_be_visible(timeout=TIMEOUT_MS)
    admin.get_by_test_id("user-create").click()
    admin.get_by_test_id("user-name").fill("boss")  # taken: the dialog says so and keeps the form
    admin.get_by_test_id("user-save").click()
    expect(admin.get_by_test_id("form-error")).to_contain_text("taken", timeout=TIMEOUT_MS)
    admin.get_by_test_id("user-name").fill("gina")
    admin.get_by_test_id("user-concurrent").fill("2")
    admin.get_by_test_id("user-tokens").fill("100000")
    admin.get_by_test_id("user-save").click()
    password = admin.get_by_test_id("new-password")
    expect(password).not_to_be_empty(timeout=TIMEOUT_MS)
    gina_password = password.inner_text().strip()
    admin.screenshot(path=str(tmp_path / "users-password.png"))
    admin.get_by_test_id("new-password-done").click()
    admin.get_by_test_id("users-search").fill("gin")
    row = admin.locator('[data-testid="user-row"][data-user-name="gina"]')
    expect(row).to_have_count(1, timeout=TIMEOUT_MS)
    expect(admin.get_by_test_id("user-row")).to_have_count(1, timeout=TIMEOUT_MS)  # the search filters
    expect(row.get_by_test_id("user-limit-text")).to_have_text("≤2 at once · 100,000 tok / h", timeout=TIMEOUT_MS)

    # The limits dialog shows her own limits as saved; changed there, they reach the gateway.
    row.get_by_test_id("user-limits").click()
    expect(admin.get_by_test_id("user-concurrent")).to_have_value("2", timeout=TIMEOUT_MS)
    expect(admin.get_by_test_id("user-tokens")).to_have_value("100000")
    expect(admin.get_by_test_id("user-cost-period")).to_have_value("")
    admin.get_by_test_id("user-concurrent").fill("3")
    admin.get_by_test_id("user-tokens").fill("50000")
    admin.get_by_test_id("user-rate").fill("30")
    admin.get_by_test_id("user-cost-period").fill("1.5")
    admin.get_by_test_id("user-cost-period-unit").click()
    admin.get_by_role("option", name="h", exact=True).click()
    expect(admin.get_by_test_id("user-cost-period-unit")).to_have_text("h")
    admin.screenshot(path=str(tmp_path / "users-limits-1280.png"))
    admin.set_viewport_size({"width": 390, "height": 844})
    admin.screenshot(path=str(tmp_path / "users-limits-390.png"))
    admin.set_viewport_size({"width": 1280, "height": 860})
    admin.get_by_test_id("user-save").click()
    expect(row.get_by_test_id("user-limit-text")).to_have_text("30 / m · $1.50 / h · ≤3 at once · 50,000 tok / h",
                                                               timeout=TIMEOUT_MS)
    assert gina_limits(app_stack, row.get_attribute("data-user-id")) == (3, 50000, "h")
    saved = next(u for u in admin_api(app_stack, "GET", "/api/users", params={"name": "gina"}).json()
                 if u["name"] == "gina")
    assert (saved["costLimitInUsdOverTime"], saved["costLimitInUsdUnit"]) == (1.5, "h")

    gina = fresh_page(browser, contexts)
    sign_in(gina, app_stack, "gina", gina_password)
    send(gina, "hello from gina")
    wait_idle(gina)
    expect(gina.locator("a[href='/admin']")).to_have_count(0)  # not an admin: no dashboard link

    # The gateway's events carry her id; the Users page shows her requests, tokens and spend.
    gina_id = admin.locator('[data-testid="user-row"][data-user-name="gina"]').get_attribute("data-user-id")
    assert poll(lambda: gina_events(app_stack, gina_id) > 0)
    admin.reload()
    admin.get_by_test_id("users-search").fill("gina")
    expect(row.get_by_test_id("user-usage")).to_contain_text(re.compile(r"[1-9][\d,]* requests? · [1-9][\d,]* tokens"),
                                                             timeout=TIMEOUT_MS)

    row.get_by_test_id("user-disable").click()
    expect(row.get_by_test_id("user-status")).to_contain_text("Disabled", timeout=TIMEOUT_MS)
    admin.screenshot(path=str(tmp_path / "users.png"), full_page=True)
    gina.locator(".new-chat-btn").click()
    gina.locator("#composer").fill("still allowed?")
    gina.locator("#composer").press("Enter")
    expect(gina).to_have_url(re.compile(r"/signin"), timeout=TIMEOUT_MS)

    row.get_by_test_id("user-delete").click()
    admin.get_by_test_id("user-delete-confirm").click()
    expect(row).to_have_count(0, timeout=TIMEOUT_MS)
