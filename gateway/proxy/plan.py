"""Where a request goes: the ordered steps (provider, model, attempts) of a provider, model or route."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.config import Provider, Snapshot
from gateway.errors import GatewayError
from gateway.models import Key, Route

DEFAULT_PROVIDER = "llama-cpp-root"


@dataclass(frozen=True)
class Step:
    provider: Provider
    model: str | None
    attempts: int
    timeout_s: float | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    route: Route | None = None
    cache_ttl_s: int | None = None

    @property
    def provider_name(self) -> str:
        return self.steps[0].provider.name


def _provider(snapshot: Snapshot, name: str) -> Provider:
    provider = snapshot.providers.get(name)
    if provider is None or not provider.urls:
        raise GatewayError(404, f"Unknown provider '{name}': create it with the admin API first.", code="unknown_provider")
    return provider


def _key_cache_ttl(key: Key, default_ttl: int) -> int | None:
    return (key.cache_ttl_s or default_ttl) if key.cache_enabled else None


def for_provider(snapshot: Snapshot, name: str, key: Key, retries: int, default_ttl: int) -> Plan:
    return Plan(steps=(Step(_provider(snapshot, name), None, retries + 1),), cache_ttl_s=_key_cache_ttl(key, default_ttl))


def for_model(snapshot: Snapshot, model: str, key: Key, retries: int, default_ttl: int) -> Plan:
    """`/v1` requests: a route named by the model, `provider/model`, a provider listing the model, or the default."""
    if model and model.strip("/") in snapshot.routes:
        return for_route(snapshot, model.strip("/"), key, retries, default_ttl)
    head, _, rest = model.partition("/")
    if rest and head in snapshot.providers:
        step = Step(_provider(snapshot, head), rest, retries + 1)
        return Plan(steps=(step,), cache_ttl_s=_key_cache_ttl(key, default_ttl))
    for provider in snapshot.providers.values():
        if model and model in provider.allowed_models and provider.urls:
            return Plan(steps=(Step(provider, None, retries + 1),), cache_ttl_s=_key_cache_ttl(key, default_ttl))
    return for_provider(snapshot, DEFAULT_PROVIDER, key, retries, default_ttl)


def for_route(snapshot: Snapshot, path: str, key: Key, retries: int, default_ttl: int) -> Plan:
    route = snapshot.routes.get(path.strip("/"))
    if route is None:
        raise GatewayError(404, f"Unknown route '{path}': create it with the admin API first.", code="unknown_route")
    if route.key_ids and key.key_id not in route.key_ids:
        raise GatewayError(403, f"This key may not use route '{route.path}'.", code="route_not_allowed")
    steps = []
    for raw in route.steps:
        step_retries = int(raw.get("retries", route.retries) or 0)
        timeout = raw.get("timeout")
        steps.append(Step(_provider(snapshot, str(raw.get("provider", ""))), raw.get("model") or None,
                          step_retries + 1, float(timeout) if timeout else None, dict(raw.get("params") or {})))
    if not steps:
        raise GatewayError(400, f"Route '{route.path}' has no steps.", code="empty_route")
    cache = route.cache_config or {}
    ttl = int(cache.get("ttl") or default_ttl) if cache.get("enabled") else _key_cache_ttl(key, default_ttl)
    return Plan(steps=tuple(steps), route=route, cache_ttl_s=ttl)
