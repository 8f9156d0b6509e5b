"""Users as a filter in the dashboard: the events explorer picks one user's events (and names the user of
each), the overview has the same select."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AppStack
from tests.e2e.helpers import TIMEOUT_MS, admin_sign_in

pytestmark = pytest.mark.timeout(240)


def pick_user(page: Page, name: str) -> None:
    page.get_by_test_id("filter-user").click()
    page.get_by_role("option", name=name, exact=True).click()


def test_the_events_explorer_shows_one_users_events(page: Page, app_stack: AppStack, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    ids = {name: app_stack.create_account(name, "long enough pw") for name in (f"hanna-{tag}", f"ido-{tag}")}
    hanna, ido = ids
    model = f"by-user-{tag}"
    # The last one made by a key that names nobody.
    app_stack.add_events(model, [ids[hanna]] * 3 + [ids[ido]] * 2 + [""])

    admin_sign_in(page, app_stack, "/admin/events")
    page.get_by_test_id("filter-model").fill(model)
    page.get_by_test_id("filter-model").press("Enter")
    rng = page.get_by_test_id("events-range")
    expect(rng).to_have_text("1–6 / 6", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("event-user")).to_have_count(5)
    pick_user(page, hanna)
    expect(rng).to_have_text("1–3 / 3", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("event-user")).to_have_text([hanna] * 3)
    page.screenshot(path=str(tmp_path / "events-by-user.png"))
    pick_user(page, ido)
    expect(rng).to_have_text("1–2 / 2", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("event-user")).to_have_text([ido] * 2)
    page.get_by_test_id("event-row").first.click()
    expect(page.get_by_test_id("detail-user")).to_have_text(ido, timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    pick_user(page, "All users")
    expect(rng).to_have_text("1–6 / 6", timeout=TIMEOUT_MS)

    page.goto(app_stack.url + "/admin/overview")
    pick_user(page, hanna)
    expect(page.get_by_test_id("filter-user")).to_have_text(hanna, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stat-requests")).to_contain_text(re.compile(r"\b3\b"), timeout=TIMEOUT_MS)  # hanna's alone
    page.screenshot(path=str(tmp_path / "overview-by-user.png"))
