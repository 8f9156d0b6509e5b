"""The admin dashboard in a real browser against the real gateway (PostgreSQL) and the scripted upstream."""

from __future__ import annotations

import csv
import re
import uuid
from pathlib import Path

import openai
import pytest
from playwright.sync_api import Page, expect

from dictachat.admin.state.format import usd
from tests.e2e.conftest import AppStack
from tests.e2e.helpers import ADMIN_LOGIN_URL, TIMEOUT_MS, admin_api, admin_sign_in, open_admin
from tests.support import free_port

pytestmark = pytest.mark.timeout(240)

PROMPT_PER_1K, COMPLETION_PER_1K = 0.5, 1.5


def chat(app: AppStack, raw_key: str, text: str):  # type: ignore[no-untyped-def]
    client = openai.OpenAI(base_url=app.gateway_url + "/v1", api_key=raw_key, max_retries=0)
    return client.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": text}])


def price_local_model(app: AppStack) -> None:
    """Give the local provider a price, so a request has a cost the test can check."""
    setting = next(s for s in admin_api(app, "GET", "/api/provider-settings").json() if s["provider"] == "llama-cpp-root")
    cost_map = {"promptCostPerModel": {"*": PROMPT_PER_1K}, "completionCostPerModel": {"*": COMPLETION_PER_1K}}
    admin_api(app, "PATCH", f"/api/provider-settings/{setting['id']}", json={"costMap": cost_map})


def create_key_in_ui(page: Page, name: str) -> str:
    """Create a key through the dialog and return the raw key it shows once."""
    page.get_by_test_id("key-create").click()
    page.get_by_test_id("key-name").fill(name)
    page.locator("input[name=tags]").fill("e2e")
    page.get_by_test_id("key-save").click()
    raw = page.get_by_test_id("new-key")
    expect(raw).to_contain_text("sk-", timeout=TIMEOUT_MS)
    value = raw.inner_text().strip()
    page.get_by_test_id("new-key-done").click()
    expect(raw).to_be_hidden()
    return value


def test_admin_pages_refuse_a_browser_without_a_session(page: Page, app_stack: AppStack) -> None:
    open_admin(page, app_stack, "/admin/keys")
    expect(page).to_have_url(ADMIN_LOGIN_URL, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("admin-password")).to_be_visible()
    expect(page.get_by_test_id("key-row")).to_have_count(0)
    # The admin password never reaches the page: the app's own state holds only a random session token.
    assert app_stack.admin_pass not in page.content()


def test_wrong_password_is_refused_and_sign_out_ends_the_session(page: Page, app_stack: AppStack) -> None:
    open_admin(page, app_stack, "/admin")
    page.get_by_test_id("admin-password").fill("not-the-password")
    page.get_by_test_id("admin-login").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("Wrong password", timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"/admin/?$"))

    page.get_by_test_id("admin-password").fill(app_stack.admin_pass)
    page.get_by_test_id("admin-login").click()
    expect(page).to_have_url(re.compile(re.escape(app_stack.url) + r"/admin/overview/?$"), timeout=TIMEOUT_MS)
    page.get_by_test_id("admin-logout").filter(visible=True).click()
    expect(page.get_by_test_id("admin-password")).to_be_visible(timeout=TIMEOUT_MS)
    page.goto(app_stack.url + "/admin/keys")
    expect(page).to_have_url(ADMIN_LOGIN_URL, timeout=TIMEOUT_MS)


def test_key_created_in_the_ui_is_used_reported_and_revoked(page: Page, app_stack: AppStack) -> None:
    price_local_model(app_stack)
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    admin_sign_in(page, app_stack, "/admin/keys")
    raw_key = create_key_in_ui(page, name)

    answer = chat(app_stack, raw_key, "hello from the admin test")
    prompt, completion = answer.usage.prompt_tokens, answer.usage.completion_tokens
    cost = usd((prompt * PROMPT_PER_1K + completion * COMPLETION_PER_1K) / 1000)

    # Events explorer: the request, with its tokens and cost, in the list and in the detail view.
    page.goto(app_stack.url + "/admin/events")
    row = page.get_by_test_id("event-row").filter(has_text=name)
    for _ in range(10):  # events are written in batches off the request path
        if row.count():
            break
        page.get_by_test_id("events-refresh").click()
        page.wait_for_timeout(500)
    expect(row).to_have_count(1, timeout=TIMEOUT_MS)
    expect(row.get_by_test_id("event-tokens")).to_have_text(f"{prompt} / {completion}")
    expect(row.get_by_test_id("event-cost")).to_have_text(cost)
    row.click()
    expect(page.get_by_test_id("detail-prompt")).to_have_text(str(prompt))
    expect(page.get_by_test_id("detail-completion")).to_have_text(str(completion))
    expect(page.get_by_test_id("detail-cost")).to_have_text(cost)
    page.keyboard.press("Escape")
    with page.expect_download() as download:
        page.get_by_test_id("events-export").click()
    (key,) = admin_api(app_stack, "GET", "/api/key-management/keys", params={"name": name}).json()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = [r for r in csv.DictReader(exported) if r["key_id"] == key["keyId"]]
    assert [(int(r["prompt_token_count"]), int(r["completion_token_count"])) for r in rows] == [(prompt, completion)]

    # Overview: totals equal the events, and the key is among the top keys with its one request.
    total = admin_api(app_stack, "POST", "/api/v2/events", json={"limit": 1}).json()["total"]
    page.goto(app_stack.url + "/admin/overview")
    expect(page.get_by_test_id("stat-requests")).to_have_text(f"{total:,}", timeout=TIMEOUT_MS)
    top = page.get_by_test_id("top-keys").locator("tr").filter(has_text=name)
    expect(top).to_contain_text(cost)
    expect(top.locator("td").nth(1)).to_have_text("1")

    # Revoke in the UI: the next proxy call is refused.
    page.goto(app_stack.url + "/admin/keys")
    page.get_by_test_id("keys-search").fill(name)
    key_row = page.get_by_test_id("key-row").filter(has_text=name)
    expect(key_row).to_have_count(1, timeout=TIMEOUT_MS)
    key_row.get_by_test_id("key-revoke").click()
    page.get_by_test_id("revoke-reason").fill("leaked in e2e")
    page.get_by_test_id("revoke-confirm").click()
    expect(key_row.get_by_test_id("key-status")).to_contain_text("Revoked", timeout=TIMEOUT_MS)
    with pytest.raises(openai.AuthenticationError):
        chat(app_stack, raw_key, "still there?")


def test_connection_test_tells_a_dead_upstream_from_a_live_one(page: Page, app_stack: AppStack) -> None:
    admin_sign_in(page, app_stack, "/admin/providers")
    live = page.get_by_test_id("provider-row").filter(has_text="llama-cpp-root")
    live.get_by_test_id("test-connection").first.click()
    expect(live.get_by_test_id("test-ok")).to_contain_text("Connected", timeout=TIMEOUT_MS)

    dead_name = f"dead-{uuid.uuid4().hex[:6]}"
    page.get_by_test_id("add-provider").click()
    page.get_by_test_id("form-provider").fill(dead_name)
    page.locator("textarea[name=urls]").fill(f"http://127.0.0.1:{free_port()}")
    page.get_by_test_id("form-save").click()
    dead = page.get_by_test_id("provider-row").filter(has_text=dead_name)
    expect(dead).to_have_count(1, timeout=TIMEOUT_MS)
    dead.get_by_test_id("test-connection").click()
    expect(dead.get_by_test_id("test-failed")).to_contain_text("Cannot connect", timeout=TIMEOUT_MS)
    expect(dead.get_by_test_id("test-ok")).to_have_count(0)


def test_system_page_shows_the_gpus_or_plainly_none(page: Page, app_stack: AppStack) -> None:
    gpus = admin_api(app_stack, "GET", "/api/system").json()["gpus"]
    admin_sign_in(page, app_stack, "/admin/system")
    if gpus:  # a GPU machine: one card per GPU
        expect(page.get_by_test_id("gpu-card")).to_have_count(len(gpus), timeout=TIMEOUT_MS)
    else:  # this machine: the no-GPU state, in words
        no_gpu = page.get_by_test_id("no-gpu")
        expect(no_gpu).to_be_visible(timeout=TIMEOUT_MS)
        expect(no_gpu).to_contain_text("No NVIDIA GPU detected")
        expect(page.get_by_test_id("gpu-card")).to_have_count(0)
    expect(page.get_by_test_id("llama-status")).to_have_text("ok")
    expect(page.get_by_test_id("database-tile")).to_contain_text("Up")


def test_overview_is_usable_on_a_narrow_screen(page: Page, app_stack: AppStack) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    admin_sign_in(page, app_stack, "/admin/overview")
    expect(page.get_by_test_id("stat-requests")).to_be_visible(timeout=TIMEOUT_MS)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px wide)"
    page.get_by_test_id("nav-keys").filter(visible=True).click()
    expect(page).to_have_url(re.compile(re.escape(app_stack.url) + r"/admin/keys/?$"), timeout=TIMEOUT_MS)


def test_events_pages_forward_and_back_with_cursors(page: Page, app_stack: AppStack, tmp_path: Path) -> None:
    """60 events of one model: three pages of 25, 25 and 10, each event once, clicked through and back."""
    model = f"paged-{uuid.uuid4().hex[:6]}"
    app_stack.add_events(model, [""] * 60)
    admin_sign_in(page, app_stack, "/admin/events")
    page.get_by_test_id("filter-model").fill(model)
    page.get_by_test_id("filter-model").press("Enter")
    rng = page.get_by_test_id("events-range")
    expect(rng).to_have_text("1–25 / 60", timeout=TIMEOUT_MS)
    seen: list[str] = []
    next_button, prev_button = page.get_by_label("next page"), page.get_by_label("previous page")
    for expected in ("26–50 / 60", "51–60 / 60"):
        expect(page.get_by_test_id("event-row")).to_have_count(25)
        seen += page.get_by_test_id("event-row").all_inner_texts()
        next_button.click()
        expect(rng).to_have_text(expected, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("event-row")).to_have_count(10)
    seen += page.get_by_test_id("event-row").all_inner_texts()
    assert len(set(seen)) == 60  # one second apart: every row differs, none repeated across pages
    expect(next_button).to_be_disabled()
    page.screenshot(path=str(tmp_path / "events-last-page.png"))
    prev_button.click()
    expect(rng).to_have_text("26–50 / 60", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("event-row")).to_have_count(25)
