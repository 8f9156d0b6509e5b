"""Every refusal of the proxy: right status, OpenAI error shape, a sentence a person understands."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support import Gateway


def post(gateway: Gateway, key: str | None, body: object = None, raw: bytes | None = None, **headers: str) -> httpx.Response:
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = body if body is not None else {"messages": [{"role": "user", "content": "hi"}]}
    if raw is not None:
        return httpx.post(gateway.proxy_url + "/v1/chat/completions", content=raw, headers=headers, timeout=30)
    return httpx.post(gateway.proxy_url + "/v1/chat/completions", json=body, headers=headers, timeout=30)


def error_of(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert set(err) == {"message", "type", "code"}
    assert "Traceback" not in err["message"]
    return err["message"]


def test_bad_json_and_bad_fields_are_400(gateway: Gateway) -> None:
    assert "not valid JSON" in error_of(post(gateway, gateway.frontend_key, raw=b"{nope"), 400)
    assert "'messages' is required" in error_of(post(gateway, gateway.frontend_key, {"model": "m"}), 400)
    assert "'stream' must be" in error_of(post(gateway, gateway.frontend_key, {"messages": [{"role": "user"}], "stream": "yes"}), 400)
    bad_options = {"messages": [{"role": "user"}], "stream": True, "stream_options": "usage"}
    assert "'stream_options' must be" in error_of(post(gateway, gateway.frontend_key, bad_options), 400)
    null_options = post(gateway, gateway.frontend_key, {"messages": [{"role": "user", "content": "hi"}], "stream": True,
                                                        "stream_options": None})
    assert null_options.status_code == 200 and "[DONE]" in null_options.text


def test_missing_unknown_revoked_expired_keys_are_401(gateway: Gateway) -> None:
    assert "Missing API key" in error_of(post(gateway, None), 401)
    assert "Invalid API key" in error_of(post(gateway, "sk-not-a-key"), 401)
    revoked = gateway.create_key(name="to-revoke")
    with gateway.admin() as admin:
        resp = admin.patch(f"/api/key-management/keys/{revoked['keyId']}", json={"revoked": True, "revokedReason": "leaked"})
        assert resp.status_code == 200, resp.text
    assert "revoked (leaked)" in error_of(post(gateway, revoked["key"]), 401)
    expiring = gateway.create_key(name="short-lived", ttl="1s")
    time.sleep(1.5)
    assert "expired" in error_of(post(gateway, expiring["key"]), 401)


def test_path_and_model_not_allowed_are_403(gateway: Gateway) -> None:
    only_seed_path = gateway.create_key(name="paths", allowedPaths=[{"path": "/api/custom/providers/llama-cpp-root/chat/completions", "method": "POST"}])
    assert "may not call /v1/chat/completions" in error_of(post(gateway, only_seed_path["key"]), 403)
    ok = httpx.post(gateway.proxy_url + "/api/custom/providers/llama-cpp-root/chat/completions", timeout=30,
                    headers={"Authorization": f"Bearer {only_seed_path['key']}"},
                    json={"messages": [{"role": "user", "content": "hi"}]})
    assert ok.status_code == 200
    only_model = gateway.create_key(name="models", allowedModels=["dictalm"])
    message = error_of(post(gateway, only_model["key"], {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}), 403)
    assert "may not use model 'gpt-4'" in message and "dictalm" in message


def test_oversized_body_is_413(gateway: Gateway) -> None:
    big = {"messages": [{"role": "user", "content": "x" * (5 * 1024 * 1024)}]}
    assert "too large" in error_of(post(gateway, gateway.frontend_key, big), 413)


def test_rate_limit_is_429_with_headers(gateway: Gateway) -> None:
    key = gateway.create_key(name="rate", rateLimitOverTime=2, rateLimitUnit="m")["key"]
    first = post(gateway, key)
    assert first.status_code == 200 and first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert post(gateway, key).status_code == 200
    refused = post(gateway, key)
    message = error_of(refused, 429)
    assert "2 requests per minute" in message
    assert 1 <= int(refused.headers["retry-after"]) <= 61
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) > time.time()


def test_unknown_provider_and_route_are_404(gateway: Gateway) -> None:
    resp = httpx.post(gateway.proxy_url + "/api/custom/providers/nope/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}"},
                      json={"messages": [{"role": "user", "content": "hi"}]})
    assert "Unknown provider 'nope'" in error_of(resp, 404)
    resp = httpx.post(gateway.proxy_url + "/api/routes/missing", timeout=30,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}"},
                      json={"messages": [{"role": "user", "content": "hi"}]})
    assert "Unknown route" in error_of(resp, 404)


@pytest.mark.parametrize("header", ["abc", "-3"])
def test_bad_request_timeout_header_is_400(gateway: Gateway, header: str) -> None:
    assert "x-request-timeout" in error_of(post(gateway, gateway.frontend_key, **{"x-request-timeout": header}), 400)


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_refusal_that_is_not_json_keeps_its_status(gateway: Gateway, stream: bool) -> None:
    body = {"messages": [{"role": "user", "content": "x [status:403]"}], "stream": stream}
    message = error_of(post(gateway, gateway.frontend_key, body), 403)
    assert "denied by the proxy" in message


def test_a_nul_byte_in_the_path_does_not_stop_event_writing(gateway: Gateway) -> None:
    assert httpx.post(gateway.proxy_url + "/api/routes/a%00b", json={}, timeout=30).status_code == 401
    created = gateway.create_key(name="after-nul")
    assert post(gateway, created["key"]).status_code == 200
    deadline = time.monotonic() + 10
    with gateway.admin() as admin:
        while time.monotonic() < deadline:
            if admin.get("/api/events", params={"keyIds": created["keyId"]}).json():
                return
            time.sleep(0.2)
    raise AssertionError("events stopped being written after a request with a NUL byte in its path")
