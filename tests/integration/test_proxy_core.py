"""The proxy core in-process: httpx's ASGI transport against the proxy app, the scripted upstream on aiohttp.

Beside the process-level tests: these see the one event each request becomes (read back from the
database after a flush), including for refusals, upstream failures and a client that leaves mid-stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.types import Message

from common.db import make_engine
from common.settings import Settings
from gateway.bootstrap import ensure_defaults
from gateway.models import Event, Key
from gateway.proxy.forward import CLIENT_GONE
from gateway.readiness import DatabaseSetup
from gateway.replay import replay_body
from gateway.server import Runtime, build_proxy
from tests.fake_upstream import MODEL, Upstream

KEY = "sk-core-test-key"
PROMPT_PER_1K, COMPLETION_PER_1K = 1.0, 2.0


@dataclass
class Core:
    runtime: Runtime
    engine: Engine
    client: httpx.AsyncClient
    upstream: Upstream
    upstream_url: str

    async def events(self) -> list[Event]:
        """Every event written so far, after making the recorder write what it holds."""
        assert self.runtime.recorder is not None and await self.runtime.recorder.flush()
        with Session(self.engine) as db:
            return list(db.exec(select(Event)).all())

    async def post(self, body: dict[str, Any], key: str | None = KEY, **headers: str) -> httpx.Response:
        if key:
            headers["authorization"] = f"Bearer {key}"
        return await self.client.post("/v1/chat/completions", json=body, headers=headers)


@pytest.fixture
async def core(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Core]:
    upstream = Upstream("core")
    server = TestServer(upstream.app)
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    settings = Settings.load(None, database_url=sqlite_url, redis_url="", llama_url=url, frontend_api_key=KEY,
                             spool_dir=str(tmp_path / "spool"), upstream_retries=1, cooldown_s=0.0,
                             local_prompt_cost_per_1k=PROMPT_PER_1K, local_completion_cost_per_1k=COMPLETION_PER_1K)
    engine = make_engine(sqlite_url)
    ensure_defaults(engine, settings)
    runtime = await build_proxy(settings, engine, DatabaseSetup())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app), base_url="http://proxy.test")
    try:
        yield Core(runtime, engine, client, upstream, url)
    finally:
        await client.aclose()
        await runtime.close()
        await server.close()
        engine.dispose()


def chat(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": content}], **extra}


def only(events: list[Event]) -> Event:
    assert len(events) == 1, [(e.status, e.error) for e in events]
    return events[0]


def price(prompt: int, completion: int) -> float:
    return (prompt * PROMPT_PER_1K + completion * COMPLETION_PER_1K) / 1000.0


@pytest.mark.parametrize(("key", "message"), [(None, "Missing API key"), ("sk-nope", "Invalid API key")])
async def test_a_refused_key_is_401_and_one_event_without_a_key(core: Core, key: str | None, message: str) -> None:
    resp = await core.post(chat(), key=key)
    assert resp.status_code == 401 and message in resp.json()["error"]["message"]
    event = only(await core.events())
    assert (event.status, event.key_id, event.path, event.upstream) == (401, "", "/v1/chat/completions", "")
    assert message in event.error and core.upstream.stats.requests == []


async def test_an_answer_passes_through_and_becomes_one_priced_event(core: Core) -> None:
    resp = await core.post(chat())
    assert resp.status_code == 200
    usage = resp.json()["usage"]
    event = only(await core.events())
    assert event.id == resp.headers["x-event-id"]
    assert (event.status, event.stream, event.model, event.provider, event.upstream, event.error) == (
        200, False, MODEL, "llama-cpp-root", core.upstream_url, "")
    assert (event.prompt_token_count, event.completion_token_count) == (usage["prompt_tokens"], usage["completion_tokens"])
    assert event.cost_in_usd == pytest.approx(price(usage["prompt_tokens"], usage["completion_tokens"]))
    assert event.key_id and event.tags == ["frontend"] and event.time_to_first_token_ms is None
    assert event.request is None and event.response is None  # the key does not ask for bodies to be logged


async def test_a_stream_passes_through_and_becomes_one_event_with_its_usage(core: Core) -> None:
    resp = await core.post(chat(stream=True))
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    data = [line[6:] for line in resp.text.split("\n") if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    assert not any('"usage"' in d for d in data)  # asked for by the gateway, hidden from a client that did not ask
    event = only(await core.events())
    assert (event.status, event.stream, event.model, event.error) == (200, True, MODEL, "")
    assert event.prompt_token_count > 0 and event.completion_token_count > 0
    assert event.cost_in_usd == pytest.approx(price(event.prompt_token_count, event.completion_token_count))
    assert event.time_to_first_token_ms is not None and 0 <= event.time_to_first_token_ms <= event.latency_in_ms
    sent = core.upstream.stats.requests[0]["body"]
    assert sent["stream_options"] == {"include_usage": True}


async def test_an_upstream_failure_is_one_event_naming_the_upstream(core: Core) -> None:
    resp = await core.post(chat("x [error]"))
    assert resp.status_code == 502 and "answered 500" in resp.json()["error"]["message"]
    event = only(await core.events())
    assert (event.status, event.upstream, event.provider, event.cost_in_usd) == (502, core.upstream_url, "llama-cpp-root", 0.0)
    assert "answered 500" in event.error
    assert len(core.upstream.stats.requests) == 2  # the first attempt and one retry


async def test_a_stream_the_upstream_breaks_ends_in_an_error_event_and_one_502_event(core: Core) -> None:
    resp = await core.post(chat("x [cut]", stream=True))
    assert resp.status_code == 200 and "upstream_stream_broken" in resp.text
    event = only(await core.events())
    assert event.status == 502 and event.stream and "mid-stream" in event.error


def set_key(core: Core, **columns: Any) -> None:
    """Change the test key's columns in the database (the proxy reads keys through its key cache)."""
    with Session(core.engine) as db:
        key = db.exec(select(Key)).one()
        for name, value in columns.items():
            setattr(key, name, value)
        db.add(key)
        db.commit()


async def test_a_refusal_after_the_key_logs_the_body_the_key_asked_to_log(core: Core) -> None:
    set_key(core, should_log_request=True)
    raw = b'{"model": "m"}'
    resp = await core.client.post("/v1/chat/completions", content=raw, headers={"authorization": f"Bearer {KEY}"})
    assert resp.status_code == 400
    event = only(await core.events())
    assert (event.status, event.request, event.stream) == (400, raw.decode(), False)
    assert "'messages' is required" in event.error


async def test_a_cached_answer_is_its_own_unpriced_event(core: Core) -> None:
    set_key(core, cache_enabled=True, cache_ttl_s=60)
    first, second = await core.post(chat("same question")), await core.post(chat("same question"))
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT") and first.content == second.content
    assert len(core.upstream.stats.requests) == 1
    events = {e.id: e for e in await core.events()}
    assert len(events) == 2
    miss, hit = events[first.headers["x-event-id"]], events[second.headers["x-event-id"]]
    assert not miss.cache_hit and miss.cost_in_usd > 0
    assert hit.cache_hit and hit.status == 200 and hit.cost_in_usd == 0.0 and hit.upstream == ""


async def test_a_rate_limited_request_is_429_and_one_event_of_its_own(core: Core) -> None:
    set_key(core, rate_limit_over_time=1, rate_limit_unit="m")
    assert (await core.post(chat())).status_code == 200
    refused = await core.post(chat())
    assert refused.status_code == 429 and "Rate limit reached" in refused.json()["error"]["message"]
    statuses = sorted(e.status for e in await core.events())
    assert statuses == [200, 429] and len(core.upstream.stats.requests) == 1


async def test_a_client_that_leaves_mid_stream_is_one_499_event_and_the_upstream_stops(core: Core) -> None:
    sent: list[Message] = []
    first_chunk = asyncio.Event()
    body = json.dumps(chat("x [slow]", stream=True)).encode()

    async def leave() -> Message:
        await first_chunk.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            first_chunk.set()

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("proxy.test", 80),
        "headers": [(b"authorization", f"Bearer {KEY}".encode()), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }
    await asyncio.wait_for(core.runtime.app(scope, replay_body(body, leave), send), 30)
    assert sent[0]["status"] == 200
    assert sent[-1].get("more_body", True)  # the stream never reached its end
    event = only(await core.events())
    assert (event.status, event.error, event.stream) == (499, CLIENT_GONE, True)
    for _ in range(100):  # the upstream notices the closed connection at its next write
        if core.upstream.stats.cancelled_streams:
            break
        await asyncio.sleep(0.05)
    assert core.upstream.stats.cancelled_streams == 1 and core.upstream.stats.completed_streams == 0
