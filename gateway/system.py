"""System status for the admin dashboard: GPUs, llama-server, gateway, database, Redis; upstream probes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic.dataclasses import dataclass  # the /api/system answers: pydantic schemas without a second copy
from sqlalchemy import or_
from sqlmodel import Session, col, select

import gateway
from common.db import database_up
from gateway.cli.resources import GpuInfo, read_gpus
from gateway.context import Context
from gateway.metrics import KEY_WINDOW_TOKENS
from gateway.models import Key, User
from gateway.scheduler_view import live_view
from gateway.upstream import api_url

_PROBE_TIMEOUT = httpx.Timeout(3.0)


@dataclass
class LlamaStatus:
    url: str
    healthy: bool
    status: str
    model: str = ""
    contextSize: int | None = None
    tokensPerSecond: float | None = None
    promptTokensPerSecond: float | None = None
    slots: int | None = None


@dataclass
class ConnectionResult:
    """How an upstream answered a connection test."""

    ok: bool
    url: str
    status: int
    latencyMs: float
    message: str


@dataclass
class GatewayInfo:
    version: str
    uptimeS: int


@dataclass
class DatabaseInfo:
    ok: bool
    kind: str


@dataclass
class RedisInfo:
    ok: bool


@dataclass
class SystemStatus:
    """Everything the dashboard's System page shows; field names are the admin API's JSON names."""

    gpus: list[GpuInfo]
    gpuMessage: str
    llama: LlamaStatus
    gateway: GatewayInfo
    database: DatabaseInfo
    redis: RedisInfo | None  # None without REDIS_URL (in-process store)


def tokens_per_second(metrics_text: str) -> tuple[float | None, float | None]:
    """Generation and prompt throughput (tokens/s) from llama-server's Prometheus `/metrics`."""
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            values[sample.name.replace("llamacpp:", "")] = float(sample.value)

    def rate(gauge: str, tokens: str, seconds: str) -> float | None:
        if values.get(gauge):
            return round(values[gauge], 2)
        if values.get(seconds):
            return round(values.get(tokens, 0.0) / values[seconds], 2)
        return None

    return (
        rate("predicted_tokens_seconds", "tokens_predicted_total", "tokens_predicted_seconds_total"),
        rate("prompt_tokens_seconds", "prompt_tokens_total", "prompt_seconds_total"),
    )


def _model_name(props: dict[str, Any]) -> str:
    if props.get("model_alias"):
        return str(props["model_alias"])
    path = str(props.get("model_path") or "")
    return path.rsplit("/", 1)[-1]


async def probe_llama(http: httpx.AsyncClient, url: str, api_key: str = "") -> LlamaStatus:
    """Read llama-server's `/health`, `/props` and `/metrics` (with its API key); an unreachable server is reported."""
    base = url.rstrip("/")
    auth = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    health, props, metrics, models = await asyncio.gather(
        http.get(base + "/health"), http.get(base + "/props", headers=auth), http.get(base + "/metrics", headers=auth),
        http.get(base + "/v1/models", headers=auth), return_exceptions=True,
    )
    if isinstance(health, BaseException):
        return LlamaStatus(url=base, healthy=False, status="unreachable")
    status = "ok" if health.status_code == 200 else ("loading" if health.status_code == 503 else f"http {health.status_code}")
    info = LlamaStatus(url=base, healthy=health.status_code == 200, status=status)
    if not isinstance(props, BaseException) and props.status_code == 200:
        body = props.json()
        info.model = _model_name(body)
        info.contextSize = (body.get("default_generation_settings") or {}).get("n_ctx")
        info.slots = body.get("total_slots")
    if not info.model and not isinstance(models, BaseException) and models.status_code == 200:
        # Servers without /props (other OpenAI-compatible upstreams) still name their model here.
        info.model = str(((models.json().get("data") or [{}])[0]).get("id", ""))
    if not isinstance(metrics, BaseException) and metrics.status_code == 200:
        info.tokensPerSecond, info.promptTokensPerSecond = tokens_per_second(metrics.text)
    return info


async def snapshot(ctx: Context, http: httpx.AsyncClient) -> SystemStatus:
    """Everything the dashboard's System page shows."""
    gpus = await asyncio.to_thread(read_gpus)
    llama, db_ok = await asyncio.gather(
        probe_llama(http, ctx.settings.gateway.llama_url, ctx.settings.gateway.llama_api_key),
        asyncio.to_thread(database_up, ctx.engine)
    )
    redis = RedisInfo(ok=await ctx.store.ping()) if ctx.settings.storage.redis_url else None
    return SystemStatus(
        gpus=gpus.gpus, gpuMessage=gpus.message, llama=llama,
        gateway=GatewayInfo(version=gateway.__version__, uptimeS=round(time.time() - ctx.started_at)),
        database=DatabaseInfo(ok=db_ok, kind="sqlite" if ctx.settings.storage.is_sqlite else "postgresql"),
        redis=redis,
    )


def _share_keys(ctx: Context, active: list[str]) -> list[Key]:
    """Keys the live view shows: those waiting or in flight here, and those with a concurrency or token limit."""
    with Session(ctx.engine) as db:
        query = select(Key).where(or_(col(Key.key_id).in_(active), col(Key.token_limit_over_time) > 0,
                                      col(Key.max_concurrent_requests) > 0), col(Key.revoked).is_(False))
        return list(db.exec(query).all())


def _user_names(ctx: Context, user_ids: set[str]) -> dict[str, str]:
    """Names of the users a vouching key named (an id no account has stays as it is)."""
    if not user_ids:
        return {}
    with Session(ctx.engine) as db:
        return dict(db.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())


async def share(ctx: Context) -> dict[str, Any]:
    """The live fair-share view: per provider and deployment slots, in flight, queue depth and waits;
    per key in flight, queued and tokens in its window, and per user of a vouching key in flight and queued,
    as the proxy processes publish them."""
    if ctx.gate is None:
        return {"enabled": False, "providers": [], "keys": []}
    view = await live_view(ctx.gate.scheduler)
    local = {k["keyId"]: k for k in view["keys"]}
    names = await asyncio.to_thread(_user_names, ctx, {u["userId"] for k in view["keys"] for u in k.get("users", [])})
    rows = []
    for key in await asyncio.to_thread(_share_keys, ctx, list(local)):
        tokens = await ctx.gate.quotas.tokens_used(key)
        if tokens is not None:
            KEY_WINDOW_TOKENS.labels(key.key_id).set(tokens)
        here = local.get(key.key_id, {})
        rows.append({
            "keyId": key.key_id, "name": key.name, "priority": key.priority,
            "inFlight": here.get("inFlight", 0), "queued": here.get("queued", 0),
            "concurrent": await ctx.gate.quotas.in_flight(key) if key.max_concurrent_requests else None,
            "maxConcurrentRequests": key.max_concurrent_requests,
            "tokensThisWindow": tokens, "tokenLimitOverTime": key.token_limit_over_time,
            "tokenLimitUnit": key.token_limit_unit,
            "users": [{**u, "name": names.get(u["userId"], u["userId"])} for u in here.get("users", [])],
        })
    rows.sort(key=lambda r: (-(r["inFlight"] + r["queued"]), r["name"]))
    return {**view, "keys": rows}


def _candidates(url: str) -> list[str]:
    base = url.rstrip("/")
    models = api_url(base, "/models")
    return [base + "/health", models]


async def test_connection(http: httpx.AsyncClient, url: str, apikey: str = "") -> ConnectionResult:
    """Reach an upstream's `/health` (or its model list) and time the answer."""
    if not url.startswith(("http://", "https://")):
        return ConnectionResult(False, url, 0, 0.0, "The URL must start with http:// or https://")
    headers = {"Authorization": f"Bearer {apikey}"} if apikey else {}
    last = ConnectionResult(False, url, 0, 0.0, "no answer")
    for target in _candidates(url):
        started = time.perf_counter()
        try:
            resp = await http.get(target, headers=headers)
        except httpx.TimeoutException:
            return ConnectionResult(False, url, 0, _ms(started), "Timed out: the upstream did not answer.")
        except httpx.HTTPError as exc:
            return ConnectionResult(False, url, 0, _ms(started), f"Cannot connect: {type(exc).__name__}")
        if resp.status_code < 400:
            return ConnectionResult(True, target, resp.status_code, _ms(started), "Connected")
        last = ConnectionResult(False, target, resp.status_code, _ms(started), f"The upstream answered HTTP {resp.status_code}")
    return last


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def probe_client() -> httpx.AsyncClient:
    """A short-timeout client for probes, never following the environment's proxies."""
    return httpx.AsyncClient(timeout=_PROBE_TIMEOUT, trust_env=False)
