"""Every page scrolls the way a person scrolls it: the mouse wheel and the End key, never a scripted
scroll-into-view. Admin pages scroll their content under a navigation that stays; the chat scrolls
its message list between a header and a composer that stay. Desktop and phone widths, both languages."""

from __future__ import annotations

import uuid

import openai
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import AppStack
from tests.e2e.helpers import admin_api, admin_sign_in, open_chat, send, wait_idle

pytestmark = pytest.mark.timeout(600)

TIMEOUT_MS = 20_000
ADMIN_PAGES = ["overview", "keys", "providers", "events", "system"]
# (width, height): a laptop window and a phone; low enough that every page has more than a screenful.
SIZES = {1280: 500, 390: 600}
CASES = [(width, lang) for width in SIZES for lang in ("en", "he")]


@pytest.fixture(scope="module")
def busy_gateway(app_stack: AppStack) -> None:
    """Enough keys, events and providers that the admin lists run past the bottom of the window."""
    tag = uuid.uuid4().hex[:6]
    raw = ""
    for n in range(14):
        raw = admin_api(app_stack, "PUT", "/api/key-management/keys", json={"name": f"scroll-{tag}-{n}", "tags": ["scroll"]}).json()["key"]
    client = openai.OpenAI(base_url=app_stack.gateway_url + "/v1", api_key=raw, max_retries=0)
    for n in range(14):
        client.chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": f"scroll {n}"}])
    for n in range(6):
        admin_api(app_stack, "POST", "/api/custom/providers",
                  json={"provider": f"scroll-{tag}-{n}", "urls": [f"http://127.0.0.1:9/{n}"]})


def set_lang(page: Page, lang: str) -> None:
    page.add_init_script(f"localStorage.setItem('dictachat_lang', '{lang}')")


def in_viewport(page: Page, locator: Locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= -1 and box["y"] + box["height"] <= size["height"] + 1


def page_scroll(page: Page) -> float:
    return page.evaluate("document.scrollingElement.scrollTop")


@pytest.mark.parametrize(("width", "lang"), CASES)
def test_wheel_and_end_key_scroll_every_admin_page(page: Page, app_stack: AppStack, busy_gateway: None,
                                                   width: int, lang: str) -> None:
    page.set_viewport_size({"width": width, "height": SIZES[width]})
    admin_sign_in(page, app_stack)
    set_lang(page, lang)
    for name in ADMIN_PAGES:
        page.goto(f"{app_stack.url}/admin/{name}")
        content = page.get_by_test_id("admin-content")
        page.wait_for_function(f"getComputedStyle(document.querySelector('[data-testid=admin-content]')).direction"
                               f" === '{'rtl' if lang == 'he' else 'ltr'}'", timeout=TIMEOUT_MS)
        # Loaded (no skeleton rows left), and longer than the window (else there would be nothing to scroll).
        expect(content.locator(".rt-Skeleton")).to_have_count(0, timeout=TIMEOUT_MS)
        page.wait_for_function("document.scrollingElement.scrollHeight > innerHeight + 60", timeout=TIMEOUT_MS)
        nav = page.get_by_test_id(f"nav-{name}").filter(visible=True)
        last = content.locator(":scope > *").last
        assert page_scroll(page) == 0

        page.mouse.move(width / 2, SIZES[width] * 0.6)
        page.mouse.wheel(0, 400)
        page.wait_for_function("document.scrollingElement.scrollTop > 0", timeout=TIMEOUT_MS)
        assert in_viewport(page, nav), f"{name}: the navigation scrolled away"

        page.keyboard.press("End")
        page.wait_for_function(
            "Math.abs(document.scrollingElement.scrollHeight - innerHeight - document.scrollingElement.scrollTop) < 2",
            timeout=TIMEOUT_MS,
        )
        expect(last).to_be_in_viewport()
        assert in_viewport(page, nav), f"{name}: the navigation scrolled away"


def chat_scroll(page: Page) -> float:
    return page.locator("#chat-scroll").evaluate("el => el.scrollTop")


@pytest.mark.parametrize(("width", "lang"), CASES)
def test_wheel_and_end_key_scroll_the_chat_message_list(page: Page, app_stack: AppStack, width: int, lang: str) -> None:
    page.set_viewport_size({"width": width, "height": SIZES[width]})
    open_chat(page, app_stack, lang=lang)
    for question in ("first [chunks:250]", "second [chunks:250]"):
        send(page, question)
        wait_idle(page)
    composer, header = page.locator("#composer"), page.locator(".chat-header")
    first_question, last_answer = page.locator(".msg-user").first, page.locator(".msg-assistant").last
    bottom = chat_scroll(page)
    assert bottom > 0
    assert page_scroll(page) == 0  # the document itself never scrolls

    page.mouse.move(width / 2, SIZES[width] / 2)
    for _ in range(20):
        page.mouse.wheel(0, -600)
        if chat_scroll(page) == 0:
            break
        page.wait_for_timeout(50)
    expect(first_question).to_be_in_viewport()
    assert chat_scroll(page) < bottom
    assert in_viewport(page, composer) and in_viewport(page, header)

    first_question.click()  # the reader's place is now in the message list, as after any click on a message
    page.keyboard.press("End")
    page.wait_for_function(
        "(el => Math.abs(el.scrollHeight - el.clientHeight - el.scrollTop) < 2)(document.getElementById('chat-scroll'))",
        timeout=TIMEOUT_MS,
    )
    expect(last_answer.locator(".msg-actions")).to_be_in_viewport()
    assert in_viewport(page, composer) and in_viewport(page, header)
    assert page_scroll(page) == 0
