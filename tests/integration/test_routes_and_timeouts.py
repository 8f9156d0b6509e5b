"""Configured routes fail over across steps and cache; timeouts are honoured; metrics count per key and model."""

from __future__ import annotations

import httpx

from tests.support import Gateway, Upstream, free_port


def _post(gateway: Gateway, path: str, content: str, **headers: str) -> httpx.Response:
    return httpx.post(gateway.proxy_url + path, timeout=30,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}", **headers},
                      json={"model": "m", "messages": [{"role": "user", "content": content}]})


def test_route_fails_over_to_next_step_and_caches(gateway: Gateway, upstream: Upstream) -> None:
    with gateway.admin() as admin:
        created = admin.post("/api/custom/providers", json={"provider": "offline-gpu", "urls": [f"http://127.0.0.1:{free_port()}"]})
        assert created.status_code in (200, 201), created.text
        route = admin.post("/api/routes", json={
            "name": "chat with fallback", "path": "/team/chat",
            "steps": [{"provider": "offline-gpu", "model": "big"},
                      {"provider": "llama-cpp-root", "model": "small", "params": {"temperature": 0}}],
            "cacheConfig": {"enabled": True, "ttl": "1m"},
        })
        assert route.status_code in (200, 201), route.text
    upstream.reset()
    first = _post(gateway, "/api/routes/team/chat", "route me")
    assert first.status_code == 200, first.text
    assert first.headers["x-cache"] == "MISS"
    sent = upstream.stats()["requests"]
    assert len(sent) == 1 and sent[0]["body"]["model"] == "small"  # the step's model replaces the client's
    assert sent[0]["body"]["temperature"] == 0  # and its params are applied
    second = _post(gateway, "/api/routes/team/chat", "route me")
    assert second.headers["x-cache"] == "HIT" and second.json() == first.json()
    assert len(upstream.stats()["requests"]) == 1


def test_route_steps_respect_the_keys_allowed_models(gateway: Gateway) -> None:
    with gateway.admin() as admin:
        assert admin.post("/api/routes", json={"name": "big only", "path": "/big", "steps": [
            {"provider": "llama-cpp-root", "model": "big"}]}).status_code in (200, 201)
    key = gateway.create_key(name="small only", allowedModels=["small"])["key"]
    resp = httpx.post(gateway.proxy_url + "/api/routes/big", timeout=30, headers={"Authorization": f"Bearer {key}"},
                      json={"model": "small", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 403 and "may not use model 'big'" in resp.json()["error"]["message"]


def test_request_timeout_header_is_honoured(gateway: Gateway) -> None:
    resp = _post(gateway, "/v1/chat/completions", "wait [delay:3]", **{"x-request-timeout": "1s"})
    assert resp.status_code == 504
    assert "did not answer within 1 s" in resp.json()["error"]["message"]


def test_metrics_count_requests_tokens_and_latency_per_key_and_model(gateway: Gateway) -> None:
    created = gateway.create_key(name="metered")
    assert httpx.post(gateway.proxy_url + "/v1/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {created['key']}"},
                      json={"messages": [{"role": "user", "content": "count me"}]}).status_code == 200
    with gateway.admin() as admin:
        text = admin.get("/metrics").text
    key_id = created["keyId"]
    assert f'gateway_requests_total{{key_id="{key_id}",model="scripted-model",status="200"}} 1.0' in text
    assert f'gateway_tokens_total{{key_id="{key_id}",kind="completion",model="scripted-model"}}' in text
    assert 'gateway_request_latency_seconds_bucket{le="0.005",model="scripted-model"}' in text
    assert httpx.get(gateway.admin_url + "/metrics", timeout=10).status_code == 401
