"""A user at their own gateway limit is told so in the chat, in a sentence; another user chats on."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import text

from gateway.models import User
from tests.e2e.conftest import AppStack, fresh_page
from tests.e2e.helpers import TIMEOUT_MS, last_answer, poll, send, sign_in, wait_idle

pytestmark = pytest.mark.timeout(900)


def test_a_user_with_a_tiny_limit_gets_the_chats_message_while_another_chats(browser: Browser, contexts: list,
                                                                            app_stack: AppStack) -> None:
    tiny_id = app_stack.create_account("tiny", "tiny-password")
    app_stack.create_account("roomy", "roomy-password")
    with app_stack.accounts_db() as db:
        tiny = db.get(User, tiny_id)
        assert tiny is not None
        tiny.rate_limit_over_time, tiny.rate_limit_unit = 1, "h"
        db.add(tiny)
        db.commit()

    small = fresh_page(browser, contexts)
    sign_in(small, app_stack, "tiny", "tiny-password")
    send(small, "my one question this hour")
    wait_idle(small)
    expect(last_answer(small).locator(".answer")).to_contain_text("scripted", timeout=TIMEOUT_MS)
    send(small, "and a second one")
    wait_idle(small)
    error = small.locator('[data-error="user_limit"]')
    expect(error).to_contain_text("You have reached your personal usage limit. Try again in", timeout=TIMEOUT_MS)

    roomy = fresh_page(browser, contexts)
    sign_in(roomy, app_stack, "roomy", "roomy-password")
    for question in ("first from roomy", "second from roomy"):
        send(roomy, question)
        wait_idle(roomy)
        expect(last_answer(roomy).locator(".answer")).to_contain_text("scripted", timeout=TIMEOUT_MS)
    expect(roomy.locator("[data-error]")).to_have_count(0)

    def tiny_events() -> int:
        with app_stack.accounts_db() as db:
            return int(db.execute(text("SELECT count(*) FROM events WHERE user_id = :u"), {"u": tiny_id}).scalar_one())

    assert poll(lambda: tiny_events() == 2)  # one answered, one refused: both carry the user id (written in batches)
