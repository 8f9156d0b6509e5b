"""Assemble one gateway process: shared resources, the proxy and admin apps, and their lifecycle."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette

from common.settings import Settings
from gateway import reporting
from gateway.config import ConfigCache
from gateway.context import CONFIG_CHANNEL, Context
from gateway.events import EventRecorder
from gateway.limits import Limiter
from gateway.proxy.app import ProxyApp
from gateway.proxy.forward import Forwarder
from gateway.proxy.models import ModelLister
from gateway.routing import Deployments
from gateway.store import make_store
from gateway.upstream import make_session

log = logging.getLogger("gateway")


@dataclass
class Runtime:
    ctx: Context
    config: ConfigCache
    recorder: EventRecorder
    session: aiohttp.ClientSession
    proxy: Starlette
    admin: FastAPI

    async def close(self) -> None:
        await self.recorder.stop()
        await self.session.close()
        await self.ctx.store.close()


async def build(settings: Settings, engine: Engine) -> Runtime:
    """Create the shared resources of one process (call inside the running event loop)."""
    from gateway.admin.app import create_admin_app

    store = make_store(settings.storage.redis_url, settings.storage.redis_prefix)
    config = ConfigCache(engine, settings.gateway.key_cache_ttl_s)
    recorder = EventRecorder(engine, settings.gateway.spool_dir, settings.gateway.event_batch_size,
                             settings.gateway.event_flush_interval_s, settings.gateway.event_memory_limit)
    ctx = Context(settings=settings, store=store, engine=engine)
    session = make_session()
    limiter = Limiter(store, lambda key_id, since: _spend(engine, key_id, since), recorder.pending_cost)
    forwarder = Forwarder(settings, store, limiter, Deployments(settings.gateway.cooldown_s), recorder, session)
    proxy = ProxyApp(settings, config, forwarder, ModelLister(session)).asgi()
    await store.subscribe(CONFIG_CHANNEL, config.invalidate)
    recorder.start()
    return Runtime(ctx=ctx, config=config, recorder=recorder, session=session, proxy=proxy, admin=create_admin_app(ctx))


def _spend(engine: Engine, key_id: str, since: float | None) -> float:
    """Recorded spend of a key (rollups, so retention does not forget it): seeds the budget counters."""
    with Session(engine) as db:
        return reporting.key_spend(db, key_id, since)
