"""The chat in a real browser against the real gateway and the scripted upstream."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.e2e.conftest import AppStack
from tests.e2e.helpers import TIMEOUT_MS, last_answer, open_chat, poll, send, wait_idle

# Generous: the first test also pays for the session-wide production build of the app.
pytestmark = pytest.mark.timeout(900)

# --- helpers ---------------------------------------------------------------------------------


def direction(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).direction")


def upstream_stats(app: AppStack) -> dict:
    return httpx.get(app.upstream_url + "/_stats", timeout=5).json()


# --- streaming, thinking, Markdown -----------------------------------------------------------


def test_thinking_is_live_then_collapses_and_the_answer_is_markdown(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "[slowthink] Tell me something")
    thinking = page.locator("details.thinking").first
    expect(thinking).to_have_attribute("open", "", timeout=TIMEOUT_MS)
    expect(thinking.locator("summary")).to_contain_text("Thinking…")
    expect(thinking.locator(".thinking-text")).to_contain_text("step by step")

    expect(thinking.locator("summary")).to_contain_text(re.compile(r"Thought for \d+ seconds?"), timeout=TIMEOUT_MS)
    expect(thinking).not_to_have_attribute("open", "")
    wait_idle(page)
    answer = last_answer(page).locator(".answer")
    expect(answer.locator("strong")).to_have_text("scripted")
    expect(answer.locator("li")).to_have_count(2)
    expect(answer.locator(".code-wrap")).to_contain_text("print('hello')")
    # Thinking text never leaks into the answer, and no raw tags show.
    expect(answer).not_to_contain_text("step by step")
    expect(answer).not_to_contain_text("think>")
    # The collapsed block opens on click.
    thinking.locator("summary").click()
    expect(thinking).to_have_attribute("open", "")
    # Usage from the gateway's final chunk.
    expect(last_answer(page).locator(".usage")).to_contain_text("tokens")


def test_reasoning_content_is_shown_as_thinking(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "[reasoning] What is up?")
    wait_idle(page)
    turn = last_answer(page)
    expect(turn.locator("details.thinking .thinking-text")).to_contain_text("I will answer briefly")
    expect(turn.locator(".answer")).not_to_contain_text("I will answer briefly")
    expect(turn.locator(".answer strong")).to_have_text("scripted")


def test_long_answer_streams_in_batched_updates(page: Page, app_stack: AppStack) -> None:
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    open_chat(page, app_stack)
    frames.clear()
    send(page, "[long] write a lot")
    wait_idle(page)
    expect(last_answer(page).locator(".answer")).to_contain_text("word3999")
    live_updates = [f for f in frames if "live" in f]
    # 4,000 tokens arrive as 4,000 chunks; the browser gets a bounded number of batched updates.
    assert 1 <= len(live_updates) < 400, len(live_updates)


def overlaps(a, b) -> bool:  # type: ignore[no-untyped-def]
    first, second = a.bounding_box(), b.bounding_box()
    return not (first["x"] + first["width"] <= second["x"] or second["x"] + second["width"] <= first["x"]
                or first["y"] + first["height"] <= second["y"] or second["y"] + second["height"] <= first["y"])


def distance_from_bottom(page: Page) -> float:
    return page.locator("#chat-scroll").evaluate("el => el.scrollHeight - el.scrollTop - el.clientHeight")


def test_auto_scroll_follows_the_answer_until_the_reader_scrolls_up(page: Page, app_stack: AppStack) -> None:
    page.set_viewport_size({"width": 900, "height": 420})
    open_chat(page, app_stack)
    send(page, "[slow] a long slow answer")
    answer = last_answer(page).locator(".answer")
    expect(answer).to_contain_text("slow120", timeout=TIMEOUT_MS)
    assert page.locator("#chat-scroll").evaluate("el => el.scrollHeight > el.clientHeight + 200")
    assert distance_from_bottom(page) < 80  # following the stream

    page.locator("#chat-scroll").hover()
    page.mouse.wheel(0, -400)
    expect(page.locator(".scroll-bottom")).to_be_visible()
    assert not overlaps(page.locator(".scroll-bottom"), page.locator("#chat-scroll"))  # it covers no message
    expect(answer).to_contain_text("slow200", timeout=TIMEOUT_MS)
    assert distance_from_bottom(page) > 150  # the reader's position was kept while text kept coming

    page.locator(".scroll-bottom").click()
    expect(answer).to_contain_text("slow240", timeout=TIMEOUT_MS)
    assert distance_from_bottom(page) < 80  # following again
    page.locator("#stop-button").click()
    wait_idle(page)


# --- Hebrew and direction --------------------------------------------------------------------


def test_hebrew_is_rtl_english_is_ltr_and_code_stays_ltr(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "שלום, מה שלומך?")
    wait_idle(page)
    user_bubble = page.locator(".msg-user .bubble").last
    hebrew_answer = last_answer(page).locator(".answer p").first
    expect(hebrew_answer).to_contain_text("שלום")
    assert direction(user_bubble) == "rtl"
    assert direction(hebrew_answer) == "rtl"
    assert direction(last_answer(page).locator(".answer li").first) == "rtl"
    assert direction(last_answer(page).locator(".code-wrap pre").first) == "ltr"
    assert direction(last_answer(page).locator("details.thinking .thinking-text")) == "rtl"

    send(page, "Hello, how are you?")
    wait_idle(page)
    english_answer = last_answer(page).locator(".answer p").first
    expect(english_answer).to_contain_text("Hello!")
    assert direction(english_answer) == "ltr"
    assert direction(page.locator(".msg-user .bubble").last) == "ltr"
    page.locator("#composer").fill("עברית")
    assert direction(page.locator("#composer")) == "rtl"


def test_hebrew_sidebar_titles_share_one_edge_whatever_their_first_letter(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack, lang="he")
    for text in ("GPT או DictaLM? השוואה", "מה השעה בירושלים?"):
        send(page, text)
        wait_idle(page)
        page.locator(".new-chat-btn").click()
        expect(page.locator(".msg-user")).to_have_count(0, timeout=TIMEOUT_MS)  # the new chat is on screen
    titles = page.locator(".conv-title")
    expect(titles.filter(has_text="GPT או")).to_have_count(1, timeout=TIMEOUT_MS)
    # The right edge of each title's text (a Range measures the text, not the full-width box).
    edges = [titles.filter(has_text=t).evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect().right; }")
        for t in ("GPT או", "מה השעה")]
    assert abs(edges[0] - edges[1]) < 2, edges


def test_language_toggle_switches_labels_and_layout(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack, lang="en")
    app = page.locator(".app")
    expect(app).to_have_attribute("dir", "ltr")
    expect(page.locator(".new-chat-btn")).to_have_text("New chat")
    page.locator("#lang-toggle").click()
    expect(app).to_have_attribute("dir", "rtl")
    expect(page.locator(".new-chat-btn")).to_have_text("שיחה חדשה")
    # The sidebar moves to the right edge in Hebrew.
    box = page.locator(".sidebar").bounding_box()
    assert box is not None and box["x"] > 600


# --- tools -----------------------------------------------------------------------------------


def test_tool_loop_runs_the_hebrew_date_tool_and_finishes(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, '[tool:gregorian_to_hebrew {"date": "2024-10-03"}] What is the Hebrew date of 3 October 2024?')
    wait_idle(page)
    turn = last_answer(page)
    tool = turn.locator("details.tool")
    expect(tool).to_have_count(1)
    expect(tool.locator("summary")).to_contain_text("gregorian_to_hebrew")
    expect(tool).to_have_attribute("data-ok", "true")
    tool.locator("summary").click()
    expect(tool.locator(".tool-pre").first).to_contain_text('"date": "2024-10-03"')
    expect(tool.locator(".tool-pre").nth(1)).to_contain_text("א׳ תשרי תשפ״ה")
    expect(tool.locator(".tool-pre").nth(1)).to_contain_text("Rosh Hashana")
    expect(turn.locator(".answer")).to_contain_text("The tool says")
    expect(turn.locator(".answer")).to_contain_text("Rosh Hashana")
    # The model got the tool's result in a `tool` message on the second call.
    last_body = upstream_stats(app_stack)["requests"][-1]["body"]
    assert any(m["role"] == "tool" and "תשרי" in m["content"] for m in last_body["messages"])
    assert {t["function"]["name"] for t in last_body["tools"]} >= {"gregorian_to_hebrew", "calculator", "current_datetime"}


# --- controls --------------------------------------------------------------------------------


def test_stop_cancels_the_upstream_request(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    before = upstream_stats(app_stack)["cancelled_streams"]
    send(page, "[slow] count slowly")
    expect(last_answer(page).locator(".answer")).to_contain_text("slow3", timeout=TIMEOUT_MS)
    page.locator("#stop-button").click()
    wait_idle(page)
    expect(last_answer(page).locator(".stopped-note")).to_be_visible()
    assert poll(lambda: upstream_stats(app_stack)["cancelled_streams"] > before), "the upstream stream was not closed"
    assert upstream_stats(app_stack)["active_streams"] == 0
    partial = last_answer(page).locator(".answer").inner_text()
    assert "slow3" in partial and "slow399" not in partial


def test_regenerate_replaces_the_answer(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "[count] which answer is this?")
    wait_idle(page)
    first = last_answer(page).locator(".answer").inner_text()
    assert "answer number" in first
    last_answer(page).locator("button[aria-label='Regenerate']").click()
    expect(last_answer(page).locator(".answer")).not_to_have_text(first, timeout=TIMEOUT_MS)
    wait_idle(page)
    expect(last_answer(page).locator(".answer")).to_contain_text("answer number")
    expect(page.locator(".msg-assistant")).to_have_count(1)
    expect(page.locator(".msg-user")).to_have_count(1)


def test_edit_and_resend(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "first version of the question")
    wait_idle(page)
    send(page, "a follow-up")
    wait_idle(page)
    first_user = page.locator(".msg-user").first
    first_user.hover()
    first_user.locator("button[aria-label='Edit']").click()
    editor = first_user.locator("textarea.edit-input")
    editor.fill("שאלה ערוכה [count]")
    first_user.locator("button[type=submit]").click()
    wait_idle(page)
    expect(page.locator(".msg-user")).to_have_count(1)
    expect(page.locator(".msg-user .bubble")).to_have_text("שאלה ערוכה [count]")
    expect(page.locator(".msg-assistant")).to_have_count(1)
    expect(last_answer(page).locator(".answer")).to_contain_text("answer number")
    sent = upstream_stats(app_stack)["requests"][-1]["body"]["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["שאלה ערוכה [count]"]


def test_history_survives_reload_and_lists_conversations(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "first conversation about apples")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/c/[0-9a-f-]{36}$"))
    first_url = page.url

    page.reload()
    expect(page.locator(".msg-user .bubble")).to_have_text("first conversation about apples", timeout=TIMEOUT_MS)
    expect(page.locator(".msg-assistant .answer")).to_contain_text("scripted")

    page.locator(".new-chat-btn").click()
    expect(page).to_have_url(app_stack.url + "/")
    expect(page.locator(".welcome")).to_be_visible()
    send(page, "second conversation about pears")
    wait_idle(page)
    titles = page.locator(".conv .conv-title")
    expect(titles.filter(has_text="first conversation about apples")).to_have_count(1)
    expect(titles.filter(has_text="second conversation about pears")).to_have_count(1)

    page.locator(".conv", has_text="first conversation about apples").locator(".conv-link").click()
    expect(page.locator(".msg-user .bubble")).to_have_text("first conversation about apples")
    expect(page).to_have_url(first_url)


def test_rename_and_delete_a_conversation(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "a conversation to rename")
    wait_idle(page)
    item = page.locator(".conv.active")
    item.hover()
    item.locator(".conv-menu").click()
    page.get_by_role("menuitem", name="Rename").click()
    page.locator("#rename-input").fill("Renamed conversation")
    page.locator("#rename-input").press("Enter")
    expect(page.locator(".conv.active .conv-title")).to_have_text("Renamed conversation")

    page.locator(".conv.active .conv-menu").click()
    page.get_by_role("menuitem", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".conv-title", has_text="Renamed conversation")).to_have_count(0)
    expect(page.locator(".welcome")).to_be_visible()


def test_settings_apply_to_requests_and_persist(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "settings check")
    wait_idle(page)
    page.locator("#settings-button").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("textarea[name=system_prompt]").fill("ענה תמיד בקצרה.")
    dialog.locator("input[name=temperature]").fill("0.2")
    dialog.locator("input[name=max_tokens]").fill("300")
    dialog.get_by_role("switch").click()  # tools off
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    last_answer(page).locator("button[aria-label='Regenerate']").click()
    wait_idle(page)
    body = upstream_stats(app_stack)["requests"][-1]["body"]
    assert body["messages"][0] == {"role": "system", "content": "ענה תמיד בקצרה."}
    assert (body["temperature"], body["max_tokens"]) == (0.2, 300)
    assert "tools" not in body

    page.reload()
    page.locator("#settings-button").click()
    expect(page.get_by_role("dialog").locator("input[name=temperature]")).to_have_value("0.2")
    expect(page.get_by_role("dialog").locator("textarea[name=system_prompt]")).to_have_value("ענה תמיד בקצרה.")


# --- errors ----------------------------------------------------------------------------------


def test_upstream_failure_is_a_readable_message_with_retry(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "[error] please fail")
    wait_idle(page)
    callout = last_answer(page).locator(".error-callout")
    expect(callout).to_contain_text("The model is not available")
    expect(callout.get_by_role("button", name="Retry")).to_be_visible()


def test_stream_cut_mid_answer_is_reported(page: Page, app_stack: AppStack) -> None:
    open_chat(page, app_stack)
    send(page, "[cut] start and die")
    wait_idle(page)
    expect(last_answer(page).locator(".error-callout")).to_contain_text("interrupted")


def test_rate_limit_says_when_to_retry(page: Page, app_stack: AppStack) -> None:
    admin = app_stack.gateway.admin()
    keys = admin.get("/api/key-management/keys").json()
    frontend = next(k for k in keys if k.get("name") and "frontend" in k["name"].lower())
    admin.patch(f"/api/key-management/keys/{frontend['keyId']}", json={"rateLimitOverTime": 1, "rateLimitUnit": "m"}).raise_for_status()
    try:
        open_chat(page, app_stack)
        send(page, "one")
        wait_idle(page)
        send(page, "two")
        wait_idle(page)
        expect(last_answer(page).locator(".error-callout")).to_contain_text(re.compile(r"Rate limit reached, try again in \d+ seconds?\."))
    finally:
        admin.patch(f"/api/key-management/keys/{frontend['keyId']}", json={"rateLimitOverTime": 0, "rateLimitUnit": ""}).raise_for_status()
        admin.close()
        # The gateway hears of the change through its invalidation channel; the next test must not
        # meet the old limit, so wait until the key is served again.
        assert poll(lambda: httpx.post(app_stack.gateway_url + "/v1/chat/completions", timeout=10,
                                       headers={"Authorization": f"Bearer {app_stack.frontend_key}"},
                                       json={"model": "scripted-model", "messages": [{"role": "user", "content": "ok?"}]},
                                       ).status_code == 200)


# --- safety ----------------------------------------------------------------------------------


def test_html_in_model_output_is_shown_as_text_not_run(page: Page, app_stack: AppStack) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_chat(page, app_stack)
    send(page, "[xss] show me markup")
    wait_idle(page)
    answer = last_answer(page).locator(".answer")
    expect(answer).to_contain_text("<img src=x onerror=alert(1)>")
    expect(answer).to_contain_text("<script>alert(2)</script>")
    assert answer.locator("img, script").count() == 0
    assert page.locator(".chat-column img").count() == 0
    # Unsafe link schemes are plain text, not links (not even links to the chat itself).
    for text in ("run me", "data me", "vb me"):
        expect(answer).to_contain_text(text)
        expect(answer.locator("a", has_text=text)).to_have_count(0)
    expect(answer.locator("a", has_text="the docs")).to_have_attribute("href", "https://example.com/docs")
    page.wait_for_timeout(500)
    assert dialogs == []


def test_frontend_key_never_reaches_the_browser(page: Page, app_stack: AppStack) -> None:
    key = app_stack.frontend_key
    seen: list[str] = []

    def on_response(response) -> None:
        with contextlib.suppress(Exception):  # redirects and aborted responses have no body
            seen.append(response.text())

    def on_socket(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: seen.append(str(payload)))
        ws.on("framesent", lambda payload: seen.append(str(payload)))

    page.on("response", on_response)
    page.on("websocket", on_socket)
    open_chat(page, app_stack)
    send(page, '[tool:calculator {"expression": "6*7"}] compute')
    # Send is visible before the turn starts too: wait for the turn's own traces before reloading.
    expect(page).to_have_url(re.compile(r"/c/[0-9a-f-]{36}$"), timeout=TIMEOUT_MS)
    expect(page.locator(".msg-assistant .answer")).to_contain_text("42", timeout=TIMEOUT_MS)
    wait_idle(page)
    page.reload()
    expect(page.locator(".msg-assistant .answer")).to_contain_text("42", timeout=TIMEOUT_MS)
    seen.append(page.content())
    seen.append(page.evaluate("JSON.stringify(Object.assign({}, localStorage)) + document.cookie"))
    assert len(seen) > 5
    assert not any(key in text for text in seen)
