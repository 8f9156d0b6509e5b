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
from gateway.admission import Gate
from gateway.config import ConfigCache
from gateway.context import CONFIG_CHANNEL, Context
from gateway.events import EventRecorder, spend_since
from gateway.limits import Limiter
from gateway.proxy.app import ProxyApp
from gateway.proxy.forward import Forwarder
from gateway.proxy.model_list import ModelLister
from gateway.quotas import Quotas
from gateway.readiness import DatabaseSetup
from gateway.routing import Deployments
from gateway.scheduler import Scheduler
from gateway.shared_slots import SharedSlots
from gateway.slots import SlotDirectory
from gateway.store import FallbackStore, make_store
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
        if self.ctx.gate is not None:
            await self.ctx.gate.scheduler.directory.stop()
        await self.recorder.stop()
        await self.session.close()
        await self.ctx.store.close()


async def build(settings: Settings, engine: Engine, database: DatabaseSetup | None = None) -> Runtime:
    """Create the shared resources of one process (call inside the running event loop); if the database is
    not ready yet (`database`; default: migrated), keep trying in the background and use it once it is."""
    database = database or DatabaseSetup()
    store = make_store(settings.storage.redis_url, settings.storage.redis_prefix)
    config = ConfigCache(engine, settings.gateway.key_cache_ttl_s)
    recorder = EventRecorder(engine, settings.gateway.spool_dir, settings.gateway.event_batch_size,
                             settings.gateway.event_flush_interval_s, settings.gateway.event_memory_limit)
    recorder.schema_ready = database.ready
    session = make_session()
    g = settings.gateway
    directory = SlotDirectory(session, g.slot_refresh_s)
    # With Redis, every process admits from one slot budget and one fair queue; without, each counts its own.
    shared = SharedSlots(store.primary) if isinstance(store, FallbackStore) and g.scheduler_enabled else None
    scheduler = Scheduler(directory, g.queue_max_wait_s, g.scheduler_enabled, shared)
    gate = Gate(Quotas(store, g.token_reserve_max_tokens), scheduler)
    ctx = Context(settings=settings, store=store, engine=engine, database=database, gate=gate)
    limiter = Limiter(store, lambda key_id, since: spend_since(engine, key_id, since), recorder.pending_cost)
    forwarder = Forwarder(settings, config, store, limiter, Deployments(g.cooldown_s), recorder, session, gate,
                          users=UserLimits(engine, store, recorder))
    proxy = ProxyApp(config, forwarder, ModelLister(session)).asgi()
    await store.subscribe(CONFIG_CHANNEL, config.invalidate)
    recorder.start()
    if shared is not None:
        await shared.start()
    if g.scheduler_enabled:
        directory.start([g.llama_url.rstrip("/")])
    background = []
    if not database.ready:
        def ready() -> None:
            recorder.schema_ready = True
            config.invalidate()

        background.append(asyncio.create_task(database.until_ready(engine, settings, ready), name="database-setup"))
    return Runtime(ctx=ctx, config=config, recorder=recorder, session=session, proxy=proxy, admin=create_admin_app(ctx),
                   background=background)
