"""The Overview's top users: a chat user's request through the frontend key shows under their name."""

from __future__ import annotations

import os
import time
import uuid

import openai
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AppStack
from tests.e2e.helpers import TIMEOUT_MS, admin_api, admin_sign_in

pytestmark = pytest.mark.timeout(240)


def test_overview_lists_top_users_by_name(page: Page, app_stack: AppStack) -> None:
    name = f"topuser{uuid.uuid4().hex[:6]}"
    user_id = app_stack.create_account(name, "long enough pw")
    client = openai.OpenAI(base_url=app_stack.gateway_url + "/v1", api_key=app_stack.frontend_key, max_retries=0)
    client.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "hi"}], user=user_id)
    deadline = time.monotonic() + 30  # the event reaches the database within the recorder's interval
    while not any(row["userId"] == user_id for row in admin_api(
            app_stack, "POST", "/api/reporting/top-users", json={"limit": 1000}).json()["dataPoints"]):
        assert time.monotonic() < deadline, "the user's request never reached the reports"
        time.sleep(0.5)
    admin_sign_in(page, app_stack, "/admin/overview")
    row = page.get_by_test_id("top-users").locator("tr").filter(has_text=name)
    expect(row).to_contain_text(user_id[:6], timeout=TIMEOUT_MS)
    expect(row.locator("td").nth(1)).to_have_text("1")
    if shots := os.environ.get("SCREENSHOT_DIR"):
        page.get_by_test_id("top-users").scroll_into_view_if_needed()
        page.screenshot(path=f"{shots}/overview-top-users.png", full_page=True)
