"""A key's `reasoningBudgetTokens` through the admin API and the proxy: the upstream receives the
smaller of the key's and the request's budget. (The real llama-server honouring it: test_llama_real.py.)"""

from __future__ import annotations

import httpx

from tests.support import Gateway, Upstream


def ask(gateway: Gateway, key: str, **fields: object) -> httpx.Response:
    return httpx.post(gateway.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                      json={"messages": [{"role": "user", "content": "hi"}], **fields})


def test_the_key_budget_caps_what_reaches_the_upstream(gateway: Gateway, upstream: Upstream) -> None:
    key = gateway.create_key(name="thinks-briefly", reasoningBudgetTokens=64)
    assert key["reasoningBudgetTokens"] == 64
    upstream.reset()
    assert ask(gateway, key["key"]).status_code == 200
    assert ask(gateway, key["key"], thinking_budget_tokens=1000, stream=True).status_code == 200
    assert ask(gateway, key["key"], reasoning_budget_tokens=16).status_code == 200
    sent = [r["body"] for r in upstream.stats()["requests"]]
    assert [b.get("reasoning_budget_tokens") for b in sent] == [64, 64, 16]
    assert all("thinking_budget_tokens" not in b for b in sent)


def test_the_budget_is_edited_and_validated_by_the_admin_api(gateway: Gateway, upstream: Upstream) -> None:
    key = gateway.create_key(name="budget-edit")
    assert key["reasoningBudgetTokens"] == -1  # no cap by default
    with gateway.admin() as admin:
        changed = admin.patch(f"/api/key-management/keys/{key['keyId']}", json={"reasoningBudgetTokens": 0})
        assert changed.status_code == 200 and changed.json()["reasoningBudgetTokens"] == 0
        bad = admin.patch(f"/api/key-management/keys/{key['keyId']}", json={"reasoningBudgetTokens": -5})
        assert bad.status_code == 400 and "reasoningBudgetTokens" in bad.json()["error"]["message"]
    upstream.reset()
    assert ask(gateway, key["key"], reasoning_budget_tokens=300).status_code == 200
    assert upstream.stats()["requests"][0]["body"]["reasoning_budget_tokens"] == 0


def test_a_bad_request_budget_is_refused_before_the_upstream(gateway: Gateway, upstream: Upstream) -> None:
    upstream.reset()
    resp = ask(gateway, gateway.frontend_key, thinking_budget_tokens="lots")
    assert resp.status_code == 400
    assert resp.json()["error"]["message"].startswith("thinking_budget_tokens: must be a whole number")
    assert upstream.stats()["requests"] == []
