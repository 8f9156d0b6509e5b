"""The chat in Chromium against the real CPU llama-server (SmolLM2, the bundled DictaLM-style template that
opens <think>, REASONING_BUDGET=8) through a real gateway: the generation prompt puts the model inside its
thinking, llama-server (--reasoning-format deepseek) streams that as reasoning_content, the budget forces
</think> after 8 tokens, and the chat shows a thinking block, then the answer."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import start_dictachat
from tests.support import REDIS_URL, Gateway, create_database, drop_database, start_gateway, start_llama

pytestmark = pytest.mark.timeout(1500)
TIMEOUT_MS = 240_000  # a loaded 2-core CPU: prompt processing alone can take a minute


@dataclass
class RealApp:
    url: str
    gateway: Gateway


@pytest.fixture(scope="module")
def real_app(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealApp]:
    work = tmp_path_factory.mktemp("real-llama")
    template = work / "template.jinja2"
    llama_url, llama = start_llama(log_dir, template, CHAT_TEMPLATE="bundled", CONTEXT_SIZE="2048", REASONING_BUDGET="8")
    database = create_database()
    gateway = None
    app = None
    try:
        gateway = start_gateway(log_dir, database, llama_url, REDIS_URL, f"e2e:{uuid.uuid4().hex[:8]}:")
        # Short, greedy answers (the chat's .env sampling defaults): SmolLM2 on a shared CPU is slow.
        url, app = start_dictachat(log_dir, work, gateway, CHAT_TEMPLATE_FILE=str(template), CHAT_MAX_TOKENS="48",
                                   CHAT_TEMPERATURE="0")
        yield RealApp(url, gateway)
    finally:
        for child in (app, gateway.child if gateway else None, llama):
            if child is not None:
                child.stop()
        drop_database(database)


def open_chat(page: Page, app: RealApp) -> None:
    page.add_init_script(f"localStorage.setItem('dictachat_lang', {json.dumps('en')})")
    page.goto(app.url + "/")
    expect(page.locator(".chat-header")).to_contain_text("SmolLM2", timeout=60_000)


def ask(page: Page, text: str) -> None:
    """Send with the keyboard and wait until the turn is over (its question shows, then Send replaces Stop)."""
    questions = page.locator(".msg-user")
    before = questions.count()
    page.locator("#composer").fill(text)
    page.locator("#composer").press("Enter")
    expect(questions).to_have_count(before + 1, timeout=60_000)
    expect(page.locator("#send-button")).to_be_visible(timeout=TIMEOUT_MS)


def test_thinking_from_the_real_server_shows_in_the_thinking_block(page: Page, real_app: RealApp, tmp_path: Path) -> None:
    open_chat(page, real_app)
    ask(page, "What is the capital of France?")
    turn = page.locator(".msg-assistant").last
    thinking = turn.locator("details.thinking")
    expect(thinking.locator("summary")).to_contain_text(re.compile(r"Thought for \d+ s"))
    thinking.locator("summary").click()  # collapsed once the answer came: open it to read it
    thought = thinking.locator(".thinking-text").inner_text()
    answer = turn.locator(".answer").inner_text()
    # The budget (8 tokens) ended the thinking; what followed is the answer, and no tag shows anywhere.
    assert thought.strip() and answer.strip()
    assert "<think>" not in turn.inner_text() and "</think>" not in turn.inner_text()
    page.screenshot(path=str(tmp_path / "chat-real-llama.png"))


def test_thinking_off_in_the_settings_dialog_means_no_thinking(page: Page, real_app: RealApp, tmp_path: Path) -> None:
    open_chat(page, real_app)
    page.locator("#settings-button").click()
    page.locator("#thinking-select").select_option("off")
    page.screenshot(path=str(tmp_path / "settings-thinking.png"))
    page.get_by_role("button", name="Save").click()
    ask(page, "Name a colour.")
    turn = page.locator(".msg-assistant").last
    expect(turn.locator(".answer")).not_to_be_empty()
    expect(turn.locator("details.thinking")).to_have_count(0)  # budget 0: llama-server closed </think> at once


def test_the_key_form_edits_the_thinking_budget(page: Page, real_app: RealApp, tmp_path: Path) -> None:
    page.add_init_script("localStorage.setItem('dictachat_lang', 'en')")
    page.goto(real_app.url + "/admin/keys")
    page.get_by_test_id("admin-password").fill(real_app.gateway.admin_pass)
    page.get_by_test_id("admin-login").click()
    page.get_by_test_id("key-create").click(timeout=60_000)
    page.get_by_test_id("key-name").fill("brief")
    page.locator("input[name=thinking_budget]").fill("0")
    page.screenshot(path=str(tmp_path / "key-form.png"))
    page.get_by_test_id("key-save").click()
    expect(page.get_by_test_id("new-key")).to_contain_text("sk-", timeout=60_000)
    with real_app.gateway.admin() as admin:
        keys = admin.get("/api/key-management/keys", params={"name": "brief"}).json()
    assert [k["reasoningBudgetTokens"] for k in keys] == [0]
