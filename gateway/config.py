"""Cached read model of keys, providers and routes for the proxy; dropped when the admin API changes them."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from common.text import comma_list
from gateway.errors import GatewayError
from gateway.models import CustomProvider, Key, ProviderSetting, Route

log = logging.getLogger("gateway.config")

_MISSING_TTL_S = 1.0


@dataclass(frozen=True)
class Provider:
    """An upstream the proxy can send to: its deployments and, if any, its setting (prices, credentials)."""

    name: str
    urls: tuple[str, ...]
    api_key: str = ""
    prompt_cost: dict[str, float] = field(default_factory=dict)
    completion_cost: dict[str, float] = field(default_factory=dict)
    allowed_models: tuple[str, ...] = ()
    setting_id: str = ""
    max_parallel: int = 0  # slots per deployment set by hand; 0 = ask llama-server (/props)


@dataclass
class Snapshot:
    providers: dict[str, Provider]
    routes: dict[str, Route]
    settings: list[ProviderSetting]
    loaded_at: float


class ConfigCache:
    """Keys by hash and a snapshot of providers and routes, each reloaded after `ttl_s` or on change."""

    def __init__(self, engine: Engine, ttl_s: float) -> None:
        self._engine = engine
        self._ttl_s = ttl_s
        self._keys: dict[str, tuple[Key | None, float]] = {}
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()
        # Bumped by every invalidation: a load that started before one must not be cached after it.
        self._generation = 0

    def invalidate(self, kind: str = "") -> None:
        self._generation += 1
        if kind in ("", "keys"):
            self._keys.clear()
        if kind in ("", "providers", "routes"):
            self._snapshot = None

    async def key(self, key_hash: str) -> Key | None:
        """The key with this hash, or None; a stale copy is served while the database is down."""
        now = time.monotonic()
        cached = self._keys.get(key_hash)
        if cached is not None:
            key, loaded = cached
            if now - loaded < (self._ttl_s if key is not None else _MISSING_TTL_S):
                return key
        generation = self._generation
        try:
            key = await asyncio.to_thread(self._load_key, key_hash)
        except Exception as exc:
            if cached is not None and cached[0] is not None:
                log.warning("database unavailable (%s): using cached key", exc)
                return cached[0]
            raise
        if generation == self._generation:
            self._keys[key_hash] = (key, now)
        return key

    def _load_key(self, key_hash: str) -> Key | None:
        with Session(self._engine) as db:
            return db.exec(select(Key).where(Key.key_hash == key_hash)).first()

    async def snapshot(self) -> Snapshot:
        snap = self._snapshot
        if snap is not None and time.monotonic() - snap.loaded_at < self._ttl_s:
            return snap
        async with self._lock:
            snap = self._snapshot
            if snap is not None and time.monotonic() - snap.loaded_at < self._ttl_s:
                return snap
            generation = self._generation
            try:
                fresh = await asyncio.to_thread(self._load_snapshot)
            except Exception as exc:
                if snap is None:
                    raise GatewayError(503, "The gateway cannot load its providers and routes right now (database "
                                            "unavailable). Try again shortly.", code="database_unavailable") from exc
                log.warning("database unavailable (%s): using cached providers and routes", exc)
                snap.loaded_at = time.monotonic()
                self._snapshot = snap
                return snap
            if generation == self._generation:
                self._snapshot = fresh
            return fresh

    def _load_snapshot(self) -> Snapshot:
        with Session(self._engine) as db:
            customs = db.exec(select(CustomProvider)).all()
            settings = list(db.exec(select(ProviderSetting)).all())
            routes = {r.path.strip("/"): r for r in db.exec(select(Route)).all()}
        providers = {c.provider: _provider(c, settings) for c in customs}
        for s in settings:
            url = str((s.setting or {}).get("url") or "")
            if s.provider not in providers and url:
                providers[s.provider] = _provider(None, [s], name=s.provider)
        return Snapshot(providers=providers, routes=routes, settings=settings, loaded_at=time.monotonic())


def _per_model(value: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}


def _provider(custom: CustomProvider | None, settings: list[ProviderSetting], name: str = "") -> Provider:
    """Merge a custom provider's deployments with the first setting for the same provider name."""
    name = custom.provider if custom else name
    setting = next((s for s in settings if s.provider == name), None)
    conf = (setting.setting or {}) if setting else {}
    urls = list(custom.urls) if custom and custom.urls else comma_list(str(conf.get("url", "")))
    cost_map = (setting.cost_map or {}) if setting else {}
    return Provider(
        name=name,
        urls=tuple(u.strip().rstrip("/") for u in urls),
        api_key=str(conf.get("apikey") or ""),
        prompt_cost=_per_model(cost_map.get("promptCostPerModel")),
        completion_cost=_per_model(cost_map.get("completionCostPerModel")),
        allowed_models=tuple(setting.allowed_models) if setting else (),
        setting_id=setting.id if setting else "",
        max_parallel=custom.max_parallel if custom else 0,
    )
