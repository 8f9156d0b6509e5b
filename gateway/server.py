"""Assemble one gateway process: shared resources, the proxy and admin apps, and their lifecycle."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from common.settings import Settings
from gateway.admin.app import create_admin_app
from gateway.config import ConfigCache
from gateway.context import CONFIG_CHANNEL, Context
from gateway.events import EventRecorder, spend_since
from gateway.limits import Limiter
from gateway.proxy.app import ProxyApp
from gateway.proxy.forward import Forwarder
from gateway.proxy.model_list import ModelLister
from gateway.readiness import DatabaseSetup
from gateway.routing import Deployments
from gateway.store import make_store
from gateway.upstream import make_session
from gateway.user_limits import UserLimits

log = logging.getLogger("gateway")


@dataclass
class Runtime:
    ctx: Context
    config: ConfigCache
    recorder: EventRecorder
    session: aiohttp.ClientSession
    proxy: Starlette
    admin: FastAPI
    background: list[asyncio.Task[None]]

    async def close(self) -> None:
        for task in self.background:
            task.cancel()
        await self.recorder.stop()
        await self.session.close()
        await self.ctx.store.close()


async def build(settings: Settings, engine: Engine, database: DatabaseSetup) -> Runtime:
    """Create the shared resources of one process (call inside the running event loop); if the database is
    not ready yet, keep trying in the background and start writing events and using it once it is."""
    store = make_store(settings.storage.redis_url, settings.storage.redis_prefix)
    config = ConfigCache(engine, settings.gateway.key_cache_ttl_s)
    recorder = EventRecorder(engine, settings.gateway.spool_dir, settings.gateway.event_batch_size,
                             settings.gateway.event_flush_interval_s, settings.gateway.event_memory_limit)
    recorder.schema_ready = database.ready
    ctx = Context(settings=settings, store=store, engine=engine, database=database)
    session = make_session()
    limiter = Limiter(store, lambda key_id, since: spend_since(engine, key_id, since), recorder.pending_cost)
    forwarder = Forwarder(settings, config, store, limiter, Deployments(settings.gateway.cooldown_s), recorder, session,
                          users=UserLimits(engine, store, recorder))
    proxy = ProxyApp(config, forwarder, ModelLister(session)).asgi()
    await store.subscribe(CONFIG_CHANNEL, config.invalidate)
    recorder.start()
    background = []
    if not database.ready:
        def ready() -> None:
            recorder.schema_ready = True
            config.invalidate()

        background.append(asyncio.create_task(database.until_ready(engine, settings, ready), name="database-setup"))
    return Runtime(ctx=ctx, config=config, recorder=recorder, session=session, proxy=proxy, admin=create_admin_app(ctx),
                   background=background)
