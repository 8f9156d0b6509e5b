"""Self sign-up in a real browser (the e2e stack's gateway runs with AUTH_SIGNUP=true): the link on the
sign-in page opens the form, a taken name and differing passwords each get their sentence, and a good
sign-up lands in the chat signed in as a new plain user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gateway.accounts import users
from tests.e2e.conftest import AppStack, fresh_page
from tests.e2e.helpers import TIMEOUT_MS

pytestmark = pytest.mark.timeout(900)


def type_into(page: Page, selector: str, text: str) -> None:
    """Click the field and type as a person does (key by key), replacing what was there."""
    page.locator(selector).click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_a_person_signs_up_and_is_signed_in(browser: Browser, contexts: list, app_stack: AppStack,
                                            tmp_path: Path) -> None:
    app_stack.create_account("grace", "grace-password")
    page = fresh_page(browser, contexts)
    page.goto(app_stack.url + "/")
    expect(page).to_have_url(re.compile(r"/signin/?$"), timeout=TIMEOUT_MS)
    expect(page.locator("#signup-form")).to_have_count(0)
    page.locator("#signup-toggle").click()
    expect(page.locator("#signup-form")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("h1")).to_have_text("Create an account")

    type_into(page, "#signup-name", "grace")
    type_into(page, "#signup-email", "grace.h@example.org")
    type_into(page, "#signup-password", "a new password")
    type_into(page, "#signup-repeat", "a new passw0rd")
    page.keyboard.press("Enter")
    expect(page.locator('[data-auth-code="password_mismatch"]')).to_be_visible(timeout=TIMEOUT_MS)

    type_into(page, "#signup-repeat", "a new password")
    page.locator("#signup-submit").click()
    taken = page.locator('[data-auth-code="name_taken"]')
    expect(taken).to_be_visible(timeout=TIMEOUT_MS)
    expect(taken).to_have_text("This user name is taken. Choose another one.")
    expect(page.locator('[data-auth-code="password_mismatch"]')).to_be_hidden()
    page.screenshot(path=str(tmp_path / "signup-taken.png"))

    type_into(page, "#signup-name", "grace.h")
    page.keyboard.press("Enter")
    expect(page.locator("#account-name")).to_have_text("grace.h", timeout=TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "signup-signed-in.png"))
    with app_stack.accounts_db() as db:
        made = users.find_by_name(db, "grace.h")
        assert made is not None and (made.role, made.email, made.disabled) == ("user", "grace.h@example.org", False)
        assert made.password_hash.startswith("$argon2id$") and "a new password" not in made.password_hash

    # Back on the sign-in page the link returns to sign-in; the new account signs in like any other.
    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"), timeout=TIMEOUT_MS)
    page.locator("#signup-toggle").click()
    page.locator("#signup-toggle").click()
    type_into(page, "#signin-name", "grace.h")
    type_into(page, "#signin-password", "a new password")
    page.keyboard.press("Enter")
    expect(page.locator("#account-name")).to_have_text("grace.h", timeout=TIMEOUT_MS)
