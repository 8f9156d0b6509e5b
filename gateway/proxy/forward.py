"""Carry one chat request: limits, cache, attempts across deployments and steps, relay, event, spend."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from starlette.responses import Response, StreamingResponse

from common.settings import Settings
from gateway import cache, cost, reasoning_budget
from gateway.config import Provider
from gateway.errors import GatewayError
from gateway.event import ProxyEvent
from gateway.events import EventRecorder, clean
from gateway.limits import Limiter
from gateway.metrics import CACHE_HITS, COST, LATENCY, REQUESTS, TOKENS, UPSTREAM_ERRORS
from gateway.models import Key, new_id
from gateway.proxy.plan import Plan, Step
from gateway.routing import Deployments
from gateway.store import Store
from gateway.upstream import (
    StreamState,
    UpstreamFailure,
    Usage,
    api_url,
    open_response,
    read_json,
    relay_events,
    upstream_client_error,
)


@dataclass
class Call:
    """One proxied request as it becomes an event."""

    path: str
    method: str = "POST"
    started: float = field(default_factory=time.perf_counter)
    created_at: float = field(default_factory=time.time)
    event_id: str = field(default_factory=new_id)
    key: Key | None = None
    payload: dict[str, Any] | None = None
    body: bytes = b""
    provider: str = ""
    model: str = ""
    route_id: str = ""
    stream: bool = False
    upstream: str = ""
    cache_hit: bool = False

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0


class Forwarder:
    """The domain flow behind every chat endpoint of the proxy."""

    def __init__(self, settings: Settings, store: Store, limiter: Limiter, deployments: Deployments,
                 recorder: EventRecorder, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.store = store
        self.limiter = limiter
        self.deployments = deployments
        self.recorder = recorder
        self.session = session
        self._background: set[asyncio.Task[None]] = set()

    async def run(self, call: Call, plan: Plan, timeout_s: float) -> Response:
        """Limits, cache, then the upstream; a GatewayError propagates to the HTTP layer."""
        key = call.key
        assert key is not None and call.payload is not None
        decision = await self.limiter.admit(key)
        headers = decision.headers() if decision else {}
        headers["x-event-id"] = call.event_id
        call.route_id = plan.route.id if plan.route else ""
        cache_key = None
        if plan.cache_ttl_s and not call.stream:
            cache_key = cache.cache_key(plan.route.path if plan.route else plan.provider_name, call.payload)
            hit = await cache.lookup(self.store, cache_key)
            headers["x-cache"] = "HIT" if hit is not None else "MISS"
            if hit is not None:
                call.cache_hit = True
                self.finish(call, 200, Usage(), None, "", response=hit)
                return Response(hit, media_type="application/json", headers=headers)
        if call.stream:
            return await self._stream(call, plan, timeout_s, headers)
        return await self._complete(call, plan, timeout_s, headers, cache_key)

    def _body_for(self, call: Call, step: Step) -> bytes:
        payload = call.payload or {}
        if call.key is not None:
            payload = reasoning_budget.clamp(payload, call.key.reasoning_budget_tokens, self.settings.stack.reasoning_budget)
        if call.stream:
            options = dict(payload.get("stream_options") or {})
            options["include_usage"] = True
            payload = {**payload, "stream_options": options}
        if step.params:
            payload = {**payload, **step.params}
        if step.model:
            payload = {**payload, "model": step.model}
        if payload is call.payload:
            return call.body
        return json.dumps(payload, ensure_ascii=False).encode()

    async def _attempts(self, call: Call, plan: Plan, timeout_s: float) -> tuple[aiohttp.ClientResponse, Step]:
        """Open a response from the first deployment that answers, trying steps in order."""
        last: UpstreamFailure | None = None
        for step in plan.steps:
            tried: set[str] = set()
            body = self._body_for(call, step)
            for _ in range(step.attempts):
                url = await self.deployments.pick(step.provider, tried)
                if url is None:
                    tried.clear()
                    url = await self.deployments.pick(step.provider, tried)
                assert url is not None
                tried.add(url)
                call.provider, call.upstream = step.provider.name, url
                try:
                    resp = await open_response(self.session, api_url(url, "/chat/completions"), body, step.provider.api_key,
                                               step.timeout_s or timeout_s)
                    return resp, step
                except UpstreamFailure as failure:
                    UPSTREAM_ERRORS.labels(url).inc()
                    self.deployments.failed(step.provider, url, failure.message, failure.status)
                    last = failure
                    if not failure.retryable:
                        break
        assert last is not None
        raise GatewayError(last.status, last.message, code="upstream_unavailable")

    async def _complete(self, call: Call, plan: Plan, timeout_s: float, headers: dict[str, str],
                        cache_key: str | None) -> Response:
        resp, step = await self._attempts(call, plan, timeout_s)
        status = resp.status
        if status >= 400:
            raise upstream_client_error(status, await _read_raw(resp))
        try:
            raw, payload = await read_json(resp, step.timeout_s or timeout_s)
        except UpstreamFailure as failure:
            raise GatewayError(failure.status, failure.message) from failure
        usage = Usage()
        usage.take(payload)
        call.model = str(payload.get("model") or call.model)
        self.finish(call, status, usage, None, "", response=raw, provider=step.provider)
        if cache_key and plan.cache_ttl_s:
            await cache.save(self.store, cache_key, raw, plan.cache_ttl_s)
        return Response(raw, status_code=status, media_type="application/json", headers=headers)

    async def _stream(self, call: Call, plan: Plan, timeout_s: float, headers: dict[str, str]) -> Response:
        resp, step = await self._attempts(call, plan, timeout_s)
        if resp.status >= 400:
            raise upstream_client_error(resp.status, await _read_raw(resp))
        client_wants_usage = bool(((call.payload or {}).get("stream_options") or {}).get("include_usage"))
        state = StreamState()
        relay = relay_events(resp, state, strip_usage=not client_wants_usage, clock=time.perf_counter)
        return StreamingResponse(
            self._relay(call, step.provider, relay, state),
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def _relay(self, call: Call, provider: Provider, relay: AsyncIterator[bytes], state: StreamState) -> AsyncIterator[bytes]:
        status, error = 200, ""
        captured: list[bytes] | None = [] if self._logs_response(call) else None
        try:
            async for chunk in relay:
                if captured is not None:
                    captured.append(chunk)
                yield chunk
            if state.error:
                status, error = 502, state.error
        except BaseException:
            status, error = 499, "The client closed the connection before the stream ended."
            raise
        finally:
            ttft = (state.first_token_at - call.started) * 1000.0 if state.first_token_at else None
            call.model = state.model or call.model
            body = b"".join(captured) if captured is not None else None
            self.finish(call, status, state.usage, ttft, error, response=body, provider=provider)

    def _logs_response(self, call: Call) -> bool:
        return bool(call.key and call.key.should_log_response)

    def finish(self, call: Call, status: int, usage: Usage, ttft_ms: float | None, error: str,
               response: bytes | None = None, provider: Provider | None = None) -> None:
        """Record the event, count the spend and the metrics; never awaits (safe in a cancelled stream)."""
        key = call.key
        price = 0.0
        if provider is not None and usage.known and not call.cache_hit:
            price = cost.price(provider, call.model, usage.prompt_tokens, usage.completion_tokens,
                               self.settings.gateway.local_prompt_cost_per_1k, self.settings.gateway.local_completion_cost_per_1k)
        latency = call.elapsed_ms()
        key_id = key.key_id if key else ""
        event = ProxyEvent(
            id=call.event_id,
            created_at=call.created_at,
            key_id=key_id,
            tags=tuple(key.tags) if key else (),
            provider=clean(call.provider, 255),
            model=clean(call.model, 255),
            path=clean(call.path, 1024),
            method=call.method,
            route_id=call.route_id,
            status=status,
            stream=call.stream,
            prompt_token_count=usage.prompt_tokens,
            completion_token_count=usage.completion_tokens,
            cost_in_usd=price,
            latency_in_ms=latency,
            time_to_first_token_ms=ttft_ms,
            cache_hit=call.cache_hit,
            upstream=clean(call.upstream, 1024),
            error=clean(error, 4000),
            request=clean(call.body.decode(errors="replace")) if key and key.should_log_request and call.body else None,
            response=clean(response.decode(errors="replace")) if response is not None and self._logs_response(call) else None,
        )
        self.recorder.record(event)
        REQUESTS.labels(key_id, call.model, str(status)).inc()
        LATENCY.labels(call.model).observe(latency / 1000.0)
        if usage.known:
            TOKENS.labels(key_id, call.model, "prompt").inc(usage.prompt_tokens)
            TOKENS.labels(key_id, call.model, "completion").inc(usage.completion_tokens)
        if call.cache_hit:
            CACHE_HITS.labels(key_id).inc()
        if price > 0 and key is not None:
            COST.labels(key_id, call.model).inc(price)
            task = asyncio.get_running_loop().create_task(self.limiter.add(key, price, call.created_at))
            self._background.add(task)
            task.add_done_callback(self._background.discard)


async def _read_raw(resp: aiohttp.ClientResponse) -> bytes:
    """The body of an upstream refusal, whatever its content type (an nginx 401 page, say)."""
    try:
        return await resp.read()
    except aiohttp.ClientError:
        return b""
    finally:
        resp.release()
