"""The official openai SDK against a real gateway process in front of the scripted upstream."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from tests.support import Gateway, Upstream


def sdk(gateway: Gateway, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.proxy_url + "/v1", api_key=key or gateway.frontend_key, max_retries=0)


def test_non_stream_answer_keeps_think_and_reports_usage(gateway: Gateway) -> None:
    reply = sdk(gateway).chat.completions.create(model="scripted-model", messages=[{"role": "user", "content": "hi"}])
    content = reply.choices[0].message.content
    assert content.startswith("<think>") and "</think>Hello!" in content
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0


def test_stream_passes_think_and_reaches_client_before_upstream_finishes(gateway: Gateway, upstream: Upstream) -> None:
    upstream.reset()
    stream = sdk(gateway).chat.completions.create(
        model="scripted-model", messages=[{"role": "user", "content": "go [slow]"}], stream=True
    )
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    assert upstream.stats()["active_streams"] == 1, "the first chunk arrived only after the upstream finished"
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("<think>") and "slow399" in text


def test_stream_usage_is_returned_when_asked(gateway: Gateway) -> None:
    chunks = list(sdk(gateway).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True, stream_options={"include_usage": True}
    ))
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    without = list(sdk(gateway).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert all(c.usage is None for c in without), "usage chunk leaked to a client that did not ask for it"


def test_reasoning_content_passes_through(gateway: Gateway) -> None:
    chunks = list(sdk(gateway).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "why [reasoning]"}], stream=True
    ))
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices)
    assert reasoning.startswith("The user asks")


def test_tool_calls_stream_and_non_stream(gateway: Gateway) -> None:
    messages = [{"role": "user", "content": 'date? [tool:hebrew_date {"date": "2026-11-26"}]'}]
    tools = [{"type": "function", "function": {"name": "hebrew_date", "parameters": {"type": "object"}}}]
    reply = sdk(gateway).chat.completions.create(model="m", messages=messages, tools=tools)
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "hebrew_date" and json.loads(call.function.arguments) == {"date": "2026-11-26"}
    args = ""
    for chunk in sdk(gateway).chat.completions.create(model="m", messages=messages, tools=tools, stream=True):
        for tc in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            args += tc.function.arguments or ""
    assert json.loads(args) == {"date": "2026-11-26"}


def test_models_list(gateway: Gateway) -> None:
    ids = [m.id for m in sdk(gateway).models.list()]
    assert "scripted-model" in ids


def test_seed_path_and_every_key_header(gateway: Gateway) -> None:
    url = gateway.proxy_url + "/api/custom/providers/llama-cpp-root/chat/completions"
    body = {"messages": [{"role": "user", "content": "hi"}]}
    for headers in ({"Authorization": f"Bearer {gateway.frontend_key}"}, {"x-api-key": gateway.frontend_key},
                    {"api-key": gateway.frontend_key}):
        resp = httpx.post(url, json=body, headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
        assert resp.json()["choices"][0]["message"]["content"]


def test_client_disconnect_cancels_upstream(gateway: Gateway, upstream: Upstream) -> None:
    upstream.reset()
    with httpx.stream("POST", gateway.proxy_url + "/v1/chat/completions", timeout=30,
                      headers={"Authorization": f"Bearer {gateway.frontend_key}"},
                      json={"messages": [{"role": "user", "content": "x [slow]"}], "stream": True}) as resp:
        next(resp.iter_bytes())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and upstream.stats()["cancelled_streams"] == 0:
        time.sleep(0.1)
    stats = upstream.stats()
    assert stats["cancelled_streams"] == 1 and stats["completed_streams"] == 0


def test_cache_serves_identical_requests(gateway: Gateway, upstream: Upstream) -> None:
    key = gateway.create_key(name="cached", cacheConfig={"enabled": True, "ttl": 60})["key"]
    upstream.reset()
    body = {"model": "m", "messages": [{"role": "user", "content": "cache me"}]}
    headers = {"Authorization": f"Bearer {key}"}
    first = httpx.post(gateway.proxy_url + "/v1/chat/completions", json=body, headers=headers, timeout=30)
    second = httpx.post(gateway.proxy_url + "/v1/chat/completions", json=body, headers=headers, timeout=30)
    assert first.headers["x-cache"] == "MISS" and second.headers["x-cache"] == "HIT"
    assert first.json() == second.json()
    assert len(upstream.stats()["requests"]) == 1
    other = httpx.post(gateway.proxy_url + "/v1/chat/completions", headers=headers, timeout=30,
                       json={**body, "messages": [{"role": "user", "content": "something else"}]})
    assert other.headers["x-cache"] == "MISS"


@pytest.mark.parametrize("stream", [False, True])
def test_every_request_becomes_one_event(gateway: Gateway, stream: bool) -> None:
    created = gateway.create_key(name=f"events-{stream}")
    key, key_id = created["key"], created["keyId"]
    resp = httpx.post(gateway.proxy_url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                      json={"messages": [{"role": "user", "content": "hi"}], "stream": stream}, timeout=30)
    assert resp.status_code == 200
    event_id = resp.headers["x-event-id"]
    deadline = time.monotonic() + 10
    with gateway.admin() as admin:
        while time.monotonic() < deadline:
            events = admin.get("/api/events", params={"keyIds": key_id}).json()
            events = events.get("events", events) if isinstance(events, dict) else events
            if events:
                break
            time.sleep(0.2)
    assert [e["id"] for e in events] == [event_id]
    event = events[0]
    assert event["status"] == 200 and event["stream"] is stream
    assert event["prompt_token_count"] > 0 and event["completion_token_count"] > 0
    assert event["model"] == "scripted-model" and event["provider"] == "llama-cpp-root"
    assert event["latency_in_ms"] > 0 and event["request"] is None
