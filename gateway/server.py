"""Assemble one gateway process: the proxy (with its event recorder) or the admin API (with retention)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.engine import Engine
from sqlmodel import Session

from common.settings import Settings
from gateway import reporting, retention
from gateway.admin.app import create_admin_app
from gateway.admission import Gate
from gateway.config import ConfigCache
from gateway.context import CONFIG_CHANNEL, Context
from gateway.events import EventRecorder
from gateway.limits import Limiter
from gateway.proxy.app import ProxyApp
from gateway.proxy.forward import Forwarder
from gateway.proxy.model_list import ModelLister
from gateway.quotas import Quotas
from gateway.readiness import DatabaseSetup
from gateway.routing import Deployments
from gateway.scheduler import Scheduler
from gateway.scheduler_view import publish, view_dir
from gateway.shared_slots import SharedSlots
from gateway.slots import SlotDirectory
from gateway.store import FallbackStore, Store, make_store
from gateway.upstream import make_session
from gateway.user_limits import UserLimits

log = logging.getLogger("gateway")


def _store(settings: Settings) -> Store:
    # Without Redis, config changes reach the other processes through a stamp file beside the spool.
    return make_store(settings.storage.redis_url, settings.storage.redis_prefix,
                      Path(settings.gateway.spool_dir) / "signals")


async def _gate(settings: Settings, store: Store, session: aiohttp.ClientSession) -> Gate:
    """Quotas and the slot scheduler. With Redis, every process admits from one slot budget and one fair
    queue (and the admin's live view sees them); without, each process counts its own."""
    g = settings.gateway
    directory = SlotDirectory(session, g.slot_refresh_s)
    shared = SharedSlots(store.primary) if isinstance(store, FallbackStore) and g.scheduler_enabled else None
    gate = Gate(Quotas(store, g.token_reserve_max_tokens), Scheduler(directory, g.queue_max_wait_s, g.scheduler_enabled, shared))
    if shared is not None:
        await shared.start()
    if g.scheduler_enabled:
        directory.start([g.llama_url.rstrip("/")])
    return gate


@dataclass
class Runtime:
    """One process's ASGI app and what must be closed after it stops."""

    app: Any
    store: Store
    gate: Gate
    session: aiohttp.ClientSession
    recorder: EventRecorder | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.gate.scheduler.directory.stop()
        if self.recorder is not None:
            await self.recorder.stop()
        await self.session.close()
        await self.store.close()


async def build_proxy(settings: Settings, engine: Engine, database: DatabaseSetup | None = None) -> Runtime:
    """The proxy app and its recorder (call inside the running event loop); if the database is not ready
    yet (`database`; default: migrated), keep trying in the background and write events once it is."""
    database = database or DatabaseSetup()
    store = _store(settings)
    config = ConfigCache(engine, settings.gateway.key_cache_ttl_s)
    recorder = EventRecorder(engine, settings.gateway.spool_dir, settings.gateway.event_batch_size,
                             settings.gateway.event_flush_interval_s, settings.gateway.event_memory_limit)
    recorder.schema_ready = database.ready
    session = make_session()
    gate = await _gate(settings, store, session)
    limiter = Limiter(store, lambda key_id, since: _spend(engine, key_id, since), recorder.pending_cost)
    forwarder = Forwarder(settings, config, store, limiter, Deployments(settings.gateway.cooldown_s), recorder, session,
                          gate, users=UserLimits(engine, store, recorder))
    proxy = ProxyApp(config, forwarder, ModelLister(session)).asgi()
    await store.subscribe(CONFIG_CHANNEL, config.invalidate)
    recorder.start()
    tasks = []
    if (views := view_dir()) is not None:
        tasks.append(asyncio.create_task(publish(gate.scheduler, views), name="scheduler-view"))
    if not database.ready:
        def ready() -> None:
            recorder.schema_ready = True
            config.invalidate()

        tasks.append(asyncio.create_task(database.until_ready(engine, settings, ready), name="database-setup"))
    return Runtime(app=proxy, store=store, gate=gate, session=session, recorder=recorder, tasks=tasks)


async def build_admin(settings: Settings, engine: Engine, database: DatabaseSetup | None = None) -> Runtime:
    """The admin app and the retention task (call inside the running event loop)."""
    database = database or DatabaseSetup()
    store = _store(settings)
    session = make_session()
    gate = await _gate(settings, store, session)
    ctx = Context(settings=settings, store=store, engine=engine, database=database, gate=gate)
    tasks = [asyncio.create_task(_retention_loop(engine, settings), name="retention")]
    if not database.ready:
        tasks.append(asyncio.create_task(database.until_ready(engine, settings, lambda: None), name="database-setup"))
    return Runtime(app=create_admin_app(ctx), store=store, gate=gate, session=session, tasks=tasks)


def _spend(engine: Engine, key_id: str, since: float | None) -> float:
    """Recorded spend of a key (rollups, so retention does not forget it): seeds the budget counters."""
    with Session(engine) as db:
        return reporting.key_spend(db, key_id, since)


async def _retention_loop(engine: Engine, settings: Settings) -> None:
    """Expire old raw events and bodies now and then, off the event loop."""
    while True:
        try:
            await asyncio.to_thread(retention.apply, engine, settings.gateway)
        except Exception as exc:  # the database may be away; the next pass tries again
            log.warning("retention pass failed: %s", exc)
        await asyncio.sleep(settings.gateway.retention_interval_s)
