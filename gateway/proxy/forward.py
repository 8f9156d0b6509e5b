"""The one flow of a proxied chat request: parse, plan, admit, answer, and account for it once, in one `finally`."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Send

from common.settings import Settings
from common.usage import TokenUsage
from gateway import access, cache, cost, metrics, reasoning_budget
from gateway.admission import Admission, Gate
from gateway.config import ConfigCache, Provider
from gateway.errors import GatewayError, error_body
from gateway.event import ProxyEvent
from gateway.events import EventRecorder, clean
from gateway.limits import Limiter
from gateway.models import Key, User
from gateway.proxy import plan as plans
from gateway.proxy.disconnect import ClientGone, unless_gone
from gateway.proxy.request import Arrival, ChatBody, ProxyRequest, read_body, request_timeout
from gateway.routing import Deployments
from gateway.store import Store
from gateway.upstream import (
    Answer,
    UpstreamFailure,
    api_url,
    open_response,
    read_json,
    relay_events,
    upstream_client_error,
)
from gateway.user_limits import UserLimits

log = logging.getLogger("gateway.proxy")

CLIENT_GONE = "The client closed the connection before the stream ended."
UNANSWERED = "The request ended before it was answered (the client left or the gateway stopped)."


@dataclass
class Outcome:
    """What became of one request, filled in by the flow's steps; `Forwarder.run` turns it into the one event.

    Mutable on purpose and private to one run; the request itself is the frozen `ProxyRequest`. A refused
    request gets only as far as it got: a 401 has no key, a 400 no chat body.
    """

    status: int = 499
    error: str = UNANSWERED
    raw: bytes = b""
    key: Key | None = None
    user: User | None = None  # only when a vouching key named one
    chat: ChatBody | None = None
    route_id: str = ""
    provider: str = ""
    upstream: str = ""
    answered_by: Provider | None = None  # the provider whose prices apply; none for refusals and cache hits
    answer: Answer = field(default_factory=Answer)
    response: list[bytes] | None = None
    cache_hit: bool = False
    streaming: aiohttp.ClientResponse | None = None  # an upstream stream, released once the run ends
    admission: Admission = field(default_factory=Admission)  # the key's quotas and the model slot it holds

    def settle(self, status: int, error: str = "") -> None:
        """What the request came to, as far as known now (a stream settles again when it ends)."""
        self.status, self.error = status, error

    def event(self, arrival: Arrival, price: float) -> ProxyEvent:
        """The typed event: built once, then handed to the recorder, the metrics and the spend counters."""
        key, answer, chat = self.key, self.answer, self.chat
        ttft = (answer.first_token_at - arrival.started) * 1000.0 if answer.first_token_at else None
        logs_request = key is not None and key.should_log_request and bool(self.raw)
        logs_response = key is not None and key.should_log_response and self.response is not None
        return ProxyEvent(
            id=arrival.id,
            created_at=arrival.created_at,
            key_id=key.key_id if key else "",
            tags=tuple(key.tags) if key else (),
            provider=clean(self.provider, 255),
            model=clean(answer.model or (chat.model if chat else ""), 255),
            path=clean(arrival.path, 1024),
            method=arrival.method,
            route_id=self.route_id,
            status=self.status,
            stream=chat.stream if chat else False,
            prompt_token_count=answer.usage.prompt_tokens if answer.usage else 0,
            completion_token_count=answer.usage.completion_tokens if answer.usage else 0,
            cost_in_usd=price,
            latency_in_ms=arrival.elapsed_ms(),
            time_to_first_token_ms=ttft,
            cache_hit=self.cache_hit,
            upstream=clean(self.upstream, 1024),
            queue_wait_ms=self.admission.queue_wait_ms,
            error=clean(self.error, 4000),
            user_id=self.user.id if self.user else "",
            request=clean(self.raw.decode(errors="replace")) if logs_request else None,
            response=clean(b"".join(self.response or ()).decode(errors="replace")) if logs_response else None,
        )


class Forwarder:
    """The domain flow behind every chat endpoint of the proxy; each step is one method, named for its job.

    A new check goes where it belongs in `run`: on the request alone in `_parse` (it raises a GatewayError),
    on capacity before the upstream between `_admit` and `_forward`; the accounting needs nothing from it.
    """

    def __init__(self, settings: Settings, config: ConfigCache, store: Store, limiter: Limiter, deployments: Deployments,
                 recorder: EventRecorder, session: aiohttp.ClientSession, gate: Gate,
                 users: UserLimits | None = None) -> None:
        self.settings = settings
        self.gate = gate
        self.config = config
        self.store = store
        self.limiter = limiter
        self.deployments = deployments
        self.recorder = recorder
        self.session = session
        self.users = users
        self._background: set[asyncio.Task[None]] = set()

    async def run(self, http: Request, send: Send) -> None:
        """Answer one chat request over ASGI. Whatever happens, streams included, exactly one event in `finally`."""
        arrival = Arrival(path=http.url.path, method=http.method)
        outcome = Outcome()
        answering = False
        try:
            request = await self._parse(http, arrival, outcome)  # 413, 401, 400, 404, 403
            headers = await self._admit(request, outcome)  # 429: rate limit, budget, concurrency, tokens
            response = await self._from_cache(request, outcome, headers)
            if response is None:  # 503 after the longest wait for a model slot; a client that leaves stops it
                response = await unless_gone(http, self._forward(request, outcome, headers))
            answering = True
            await response(http.scope, http.receive, send)
        except (ClientDisconnect, ClientGone):
            outcome.settle(499, CLIENT_GONE if answering else UNANSWERED)
        except GatewayError as err:
            outcome.settle(err.status, err.message)
            await err.response()(http.scope, http.receive, send)
        except Exception:
            if answering:  # the answer has begun: nothing can be sent any more; the outcome says how far it got
                raise
            log.exception("unexpected error in %s", arrival.path)
            outcome.settle(500, "internal gateway error")
            body = error_body(500, "The gateway hit an internal error; it has been logged.")
            await JSONResponse(body, status_code=500)(http.scope, http.receive, send)
        finally:
            self._account(arrival, outcome)
            if outcome.streaming is not None:  # a client that left mid-stream: close the upstream request now
                outcome.streaming.release()

    async def _parse(self, http: Request, arrival: Arrival, outcome: Outcome) -> ProxyRequest:
        """Body, key, JSON, plan, permissions, timeout: in this order, each refusal a clear 4xx."""
        outcome.raw = await read_body(http, self.settings.gateway.max_body_bytes)
        key = outcome.key = await access.authenticate(http.headers, self.config)
        chat = outcome.chat = ChatBody.parse(outcome.raw)
        user = outcome.user = await self.users.resolve(key, chat.payload) if self.users else None
        plan = await self._plan(http.path_params, key, chat.model)
        outcome.provider, outcome.route_id = plan.provider_name, plan.route.id if plan.route else ""
        for step in plan.steps:  # a route's steps may switch model and provider: each must be allowed
            access.check_access(key, arrival.path, arrival.method, step.model or chat.model, step.provider)
        return ProxyRequest(arrival=arrival, key=key, chat=chat, plan=plan,
                            timeout_s=request_timeout(http, self.settings.gateway.request_timeout_s),
                            cache_key=_cache_key(plan, chat), user=user)

    async def _plan(self, path_params: Mapping[str, str], key: Key, model: str) -> plans.Plan:
        """Where the request goes: the provider or route in its path, else the model it names."""
        snapshot, g = await self.config.snapshot(), self.settings.gateway
        if "provider" in path_params:
            return plans.for_provider(snapshot, path_params["provider"], key, g.upstream_retries, g.cache_ttl_s)
        if "route" in path_params:
            return plans.for_route(snapshot, path_params["route"], key, g.upstream_retries, g.cache_ttl_s)
        return plans.for_model(snapshot, model, key, g.upstream_retries, g.cache_ttl_s)

    async def _admit(self, request: ProxyRequest, outcome: Outcome) -> dict[str, str]:
        """Count the request against its key's rate limit, check its budgets, take its place among the key's
        requests in flight and reserve its tokens; the headers every answer carries. A user's own limits
        (all four kinds) come first, so a user at theirs does not use up the shared key's."""
        if request.user is not None and self.users is not None:
            await self.users.admit(request.user, self.gate, outcome.admission, len(request.chat.raw),
                                   request.chat.payload, request.arrival.id)
        decision = await self.limiter.admit(request.key)
        await self.gate.enter(outcome.admission, request.key, len(request.chat.raw), request.chat.payload, request.arrival.id)
        headers = {**(decision.headers() if decision else {}), **outcome.admission.headers()}
        headers["x-event-id"] = request.arrival.id
        return headers

    async def _from_cache(self, request: ProxyRequest, outcome: Outcome, headers: dict[str, str]) -> Response | None:
        """The cached answer to the same request, if caching is on for it and one is stored."""
        if request.cache_key is None:
            return None
        hit = await cache.lookup(self.store, request.cache_key)
        headers["x-cache"] = "HIT" if hit is not None else "MISS"
        if hit is None:
            return None
        outcome.settle(200)
        outcome.cache_hit, outcome.response = True, [hit]
        return Response(hit, media_type="application/json", headers=headers)

    async def _forward(self, request: ProxyRequest, outcome: Outcome, headers: dict[str, str]) -> Response:
        """The upstream's answer: relayed as it streams, or read whole (and cached when caching is on)."""
        if request.chat.stream:
            return await self._stream(request, outcome, headers)
        return await self._complete(request, outcome, headers)

    def _body_for(self, request: ProxyRequest, step: plans.Step) -> bytes:
        """The body this step sends: the client's bytes unless usage is asked for or the step changes model or params."""
        payload = reasoning_budget.clamp(request.chat.payload, request.key.reasoning_budget_tokens,
                                         self.settings.stack.reasoning_budget)
        if request.chat.stream:
            options = dict(payload.get("stream_options") or {})
            options["include_usage"] = True
            payload = {**payload, "stream_options": options}
        if step.params:
            payload = {**payload, **step.params}
        if step.model:
            payload = {**payload, "model": step.model}
        if payload is request.chat.payload:
            return request.chat.raw
        return json.dumps(payload, ensure_ascii=False).encode()

    async def _open(self, request: ProxyRequest, outcome: Outcome) -> tuple[aiohttp.ClientResponse, plans.Step]:
        """Open a response from the first deployment that answers, trying steps in order."""
        last: UpstreamFailure | None = None
        for step in request.plan.steps:
            tried: set[str] = set()
            body = self._body_for(request, step)
            for _ in range(step.attempts):
                url = await self.gate.slot(outcome.admission, step.provider, request.key, tried,
                                           request.user.id if request.user else "")
                if url is None:  # not slot-limited: LiteLLM picks as before
                    url = await self.deployments.pick(step.provider, tried)
                if url is None:
                    tried.clear()
                    url = await self.deployments.pick(step.provider, tried)
                assert url is not None  # a plan's providers always list at least one URL (plan._provider)
                tried.add(url)
                outcome.provider, outcome.upstream = step.provider.name, url
                try:
                    resp = await open_response(self.session, api_url(url, "/chat/completions"), body, step.provider.api_key,
                                               step.timeout_s or request.timeout_s)
                    return resp, step
                except UpstreamFailure as failure:
                    self.gate.free_slot(outcome.admission, failed=True)
                    metrics.UPSTREAM_ERRORS.labels(url).inc()
                    self.deployments.failed(step.provider, url, failure.message, failure.status)
                    last = failure
                    if not failure.retryable:
                        break
        assert last is not None  # every step has at least one attempt
        raise GatewayError(last.status, last.message, code="upstream_unavailable")

    async def _complete(self, request: ProxyRequest, outcome: Outcome, headers: dict[str, str]) -> Response:
        resp, step = await self._open(request, outcome)
        if resp.status >= 400:
            raise upstream_client_error(resp.status, await _read_raw(resp))
        try:
            raw, payload = await read_json(resp, step.timeout_s or request.timeout_s)
        except UpstreamFailure as failure:
            raise GatewayError(failure.status, failure.message) from failure
        outcome.answer.usage = TokenUsage.of(payload)
        outcome.answer.model = str(payload.get("model") or "")
        outcome.settle(resp.status)
        outcome.answered_by, outcome.response = step.provider, [raw]
        if request.cache_key is not None and request.plan.cache_ttl_s:
            await cache.save(self.store, request.cache_key, raw, request.plan.cache_ttl_s)
        return Response(raw, status_code=resp.status, media_type="application/json", headers=headers)

    async def _stream(self, request: ProxyRequest, outcome: Outcome, headers: dict[str, str]) -> Response:
        resp, step = await self._open(request, outcome)
        if resp.status >= 400:
            raise upstream_client_error(resp.status, await _read_raw(resp))
        outcome.answered_by, outcome.streaming = step.provider, resp
        outcome.settle(499, CLIENT_GONE)  # until the relay reaches the stream's end
        outcome.response = [] if request.key.should_log_response else None
        events = relay_events(resp, outcome.answer, strip_usage=not request.chat.include_usage, clock=time.perf_counter)
        return StreamingResponse(_relay(events, outcome), media_type="text/event-stream",
                                 headers={**headers, "cache-control": "no-cache", "x-accel-buffering": "no"})

    def _account(self, arrival: Arrival, outcome: Outcome) -> None:
        """Record the event, count the metrics and the spend; never awaits (it runs in a cancelled stream's finally)."""
        usage, provider = outcome.answer.usage, outcome.answered_by
        self.gate.leave(outcome.admission, outcome.status, usage, reached_upstream=bool(outcome.upstream))
        price = 0.0
        if provider is not None and usage is not None:
            g = self.settings.gateway
            model = outcome.answer.model or (outcome.chat.model if outcome.chat else "")
            price = cost.price(provider, model, usage.prompt_tokens, usage.completion_tokens,
                               g.local_prompt_cost_per_1k, g.local_completion_cost_per_1k)
        event = outcome.event(arrival, price)
        self.recorder.record(event)
        metrics.observe(event)
        if event.cost_in_usd > 0 and outcome.key is not None:
            self._later(self.limiter.add(outcome.key, event.cost_in_usd, event.created_at))
            if outcome.user is not None and self.users is not None:
                self._later(self.users.add(outcome.user, event.cost_in_usd, event.created_at))

    def _later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run bookkeeping off the request; keep a reference so the task is not collected mid-way."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _cache_key(plan: plans.Plan, chat: ChatBody) -> str | None:
    """Where an identical non-streaming request's answer is cached; None when it is not to be cached."""
    if not plan.cache_ttl_s or chat.stream:
        return None
    return cache.cache_key(plan.route.path if plan.route else plan.provider_name, chat.payload)


async def _relay(events: AsyncIterator[bytes], outcome: Outcome) -> AsyncIterator[bytes]:
    """Pass the stream on; only a stream relayed to its end changes the outcome from 'client gone'."""
    async for chunk in events:
        if outcome.response is not None:
            outcome.response.append(chunk)
        yield chunk
    outcome.settle(502 if outcome.answer.error else 200, outcome.answer.error)


async def _read_raw(resp: aiohttp.ClientResponse) -> bytes:
    """The body of an upstream refusal, whatever its content type (an nginx 401 page, say)."""
    try:
        return await resp.read()
    except aiohttp.ClientError:
        return b""
    finally:
        resp.release()
