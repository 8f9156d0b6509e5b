"""The chat in Chromium against the real CPU llama-server (SmolLM2, the bundled DictaLM-style template that
opens <think>, REASONING_BUDGET=8) through a real gateway: the generation prompt puts the model inside its
thinking, llama-server (--reasoning-format deepseek) streams that as reasoning_content, the budget forces
</think> after 8 tokens, and the chat shows a thinking block, then the answer."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import start_dictachat
from tests.integration.test_llama_real import ensure
from tests.support import (
    REDIS_URL,
    ROOT,
    Child,
    Gateway,
    create_database,
    drop_database,
    free_port,
    start_gateway,
    wait_http,
)

pytestmark = pytest.mark.timeout(1500)
TIMEOUT_MS = 240_000  # a loaded 2-core CPU: prompt processing alone can take a minute


@dataclass
class RealApp:
    url: str
    gateway: Gateway


@pytest.fixture(scope="module")
def real_app(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealApp]:
    model = Path(ensure("ensure_small_model.sh"))
    work = tmp_path_factory.mktemp("real-llama")
    template, port = work / "template.jinja2", free_port()
    env = {**os.environ, "LLAMA_SERVER_BIN": ensure("ensure_llama_server.sh"), "LOCAL_MODEL_PATH": str(model.parent),
           "HF_FILE": model.name, "LLAMA_HOST": "127.0.0.1", "LLAMA_PORT": str(port), "CONTEXT_SIZE": "2048",
           "LLAMA_PARALLEL": "1", "CHAT_TEMPLATE": "bundled", "REASONING_BUDGET": "8", "RENDERED_TEMPLATE": str(template)}
    llama = Child([str(ROOT / "llama_entrypoint.sh")], env, log_dir / f"llama-e2e-{port}.log").start()
    database = create_database()
    gateway = None
    app = None
    try:
        wait_http(f"http://127.0.0.1:{port}/health", 300, llama.proc)
        gateway = start_gateway(log_dir, database, f"http://127.0.0.1:{port}", REDIS_URL, f"e2e:{uuid.uuid4().hex[:8]}:")
        url, app = start_dictachat(log_dir, work, gateway, CHAT_TEMPLATE_FILE=str(template))
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
    page.locator("#composer").fill(text)
    page.locator("#composer").press("Enter")


def test_thinking_from_the_real_server_shows_in_the_thinking_block(page: Page, real_app: RealApp, tmp_path: Path) -> None:
    open_chat(page, real_app)
    ask(page, "What is the capital of France?")
    turn = page.locator(".msg-assistant").last
    thinking = turn.locator("details.thinking")
    expect(thinking.locator(".thinking-text")).not_to_be_empty(timeout=TIMEOUT_MS)
    expect(page.locator("#send-button")).to_be_visible(timeout=TIMEOUT_MS)  # the turn is over
    expect(thinking.locator("summary")).to_contain_text(re.compile(r"Thought for \d+ s"))
    thought = thinking.locator(".thinking-text").inner_text()
    answer = turn.locator(".answer").inner_text()
    assert thought.strip() and "</think>" not in turn.inner_text()
    assert answer.strip() and thought.strip() not in answer  # the budget ended the thinking; the rest is the answer
    page.screenshot(path=str(tmp_path / "chat-real-llama.png"))


def test_thinking_off_in_the_settings_dialog_means_no_thinking(page: Page, real_app: RealApp, tmp_path: Path) -> None:
    open_chat(page, real_app)
    page.locator("#settings-button").click()
    page.locator("#thinking-select").select_option("off")
    page.screenshot(path=str(tmp_path / "settings-thinking.png"))
    page.get_by_role("button", name="Save").click()
    ask(page, "Name a colour.")
    expect(page.locator("#send-button")).to_be_visible(timeout=TIMEOUT_MS)
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
