"""The dashboard's side of the fair share: the key form sets a key's GPU share, and the System page shows
slots, requests in flight and the queue change live while requests wait for a slot."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AppStack
from tests.e2e.helpers import TIMEOUT_MS, admin_api, admin_sign_in

pytestmark = pytest.mark.timeout(240)

def test_key_form_sets_the_gpu_share(page: Page, app_stack: AppStack) -> None:
    name = f"share-{uuid.uuid4().hex[:6]}"
    admin_sign_in(page, app_stack, "/admin/keys")
    page.get_by_test_id("key-create").click()
    page.get_by_test_id("key-name").fill(name)
    page.get_by_test_id("key-concurrent").fill("3")
    page.get_by_test_id("key-tokens").fill("20000")
    page.get_by_test_id("key-queue-wait").fill("45")
    page.get_by_test_id("key-priority").fill("2")
    page.get_by_test_id("key-save").click()
    expect(page.get_by_test_id("new-key")).to_contain_text("sk-", timeout=TIMEOUT_MS)
    page.get_by_test_id("new-key-done").click()
    row = page.get_by_test_id("key-row").filter(has_text=name)
    expect(row.get_by_test_id("key-share")).to_have_text("≤3 at once · 20,000 tok / h · ×2", timeout=TIMEOUT_MS)
    key = next(k for k in admin_api(app_stack, "GET", "/api/key-management/keys", params={"name": name}).json())
    assert (key["maxConcurrentRequests"], key["tokenLimitOverTime"], key["tokenLimitUnit"],
            key["maxQueueWaitInSeconds"], key["priority"]) == (3, 20000, "h", 45, 2)


def test_system_page_shows_slots_and_the_queue_change_under_load(page: Page, app_stack: AppStack, tmp_path: Path) -> None:
    provider = f"slotted-{uuid.uuid4().hex[:6]}"
    admin_api(app_stack, "POST", "/api/custom/providers", json={"provider": provider, "urls": [app_stack.upstream_url],
                                                               "maxParallel": 2})
    # The key vouches for users, as the chat's does: the queue shows each user under it (a known one by name).
    raw = admin_api(app_stack, "PUT", "/api/key-management/keys", json={"name": "e2e-heavy", "vouchesForUsers": True}).json()["key"]
    dana = admin_api(app_stack, "PUT", "/api/users", json={"name": f"dana-{uuid.uuid4().hex[:6]}"}).json()
    users = [dana["id"], "e2e-guest"]
    admin_sign_in(page, app_stack, "/admin/system")
    panel = page.get_by_test_id("share-panel")
    expect(panel).to_be_visible(timeout=TIMEOUT_MS)

    def ask(i: int) -> None:
        httpx.post(f"{app_stack.gateway_url}/api/custom/providers/{provider}/chat/completions", timeout=120,
                   headers={"Authorization": f"Bearer {raw}"},
                   json={"messages": [{"role": "user", "content": f"[hold] e2e share {i}"}], "user": users[i % 2]})

    threads = [threading.Thread(target=ask, args=(i,), daemon=True) for i in range(5)]
    try:
        for thread in threads:
            thread.start()
        row = panel.get_by_test_id("share-deployment").filter(has_text=provider)
        expect(row.get_by_test_id("share-slots")).to_have_text("2", timeout=TIMEOUT_MS)
        expect(row.get_by_test_id("share-in-flight")).to_have_text("2", timeout=TIMEOUT_MS)
        expect(row.get_by_test_id("share-queued")).to_have_text("3", timeout=TIMEOUT_MS)
        expect(panel.get_by_test_id("share-key").filter(has_text="e2e-heavy")).to_contain_text("2", timeout=TIMEOUT_MS)
        for name in (dana["name"], "e2e-guest"):
            expect(panel.get_by_test_id("share-user").filter(has_text=name)).to_be_visible(timeout=TIMEOUT_MS)
        # In Hebrew the page reads right to left, and the arrow that nests a user under its key turns round.
        page.add_init_script("localStorage.setItem('dictachat_lang', 'he')")
        page.reload()
        arrow = page.get_by_test_id("share-user").first.locator("svg")
        expect(arrow).to_be_visible(timeout=TIMEOUT_MS)
        assert arrow.evaluate("e => getComputedStyle(e).transform") == "matrix(-1, 0, 0, 1, 0, 0)"
        # "0 / 3" and "11 ms / 12 ms" keep their order inside the right-to-left rows.
        for cell in (page.get_by_test_id("share-deployment").filter(has_text=provider).get_by_test_id("share-wait"),
                     page.get_by_test_id("share-key").first.get_by_test_id("share-concurrent")):
            assert cell.locator("span").first.evaluate("e => getComputedStyle(e).direction") == "ltr"
        page.screenshot(path=str(tmp_path / "system-share-he.png"))
    finally:
        app_stack.upstream.release()
        for thread in threads:
            thread.join(60)
        app_stack.upstream.reset()
    expect(row.get_by_test_id("share-in-flight")).to_have_text("0", timeout=TIMEOUT_MS)
    expect(row.get_by_test_id("share-queued")).to_have_text("0", timeout=TIMEOUT_MS)
