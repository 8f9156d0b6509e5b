"""Whether the database is ready for this process: migrated and seeded at start, or retried in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from common.settings import Settings
from gateway import bootstrap, migrate

log = logging.getLogger("gateway")

_MAX_BACKOFF_S = 5.0


@dataclass
class DatabaseSetup:
    """Migrations and first-start defaults: done (`ready`), or the reason they are not (`problem`)."""

    ready: bool = True
    problem: str = ""

    def try_once(self, engine: Engine, settings: Settings) -> bool:
        """Migrate and create the defaults once (blocking); True when the database is ready."""
        try:
            migrate.upgrade(engine, then=lambda: bootstrap.ensure_defaults(engine, settings))
        except Exception as exc:
            self.ready, self.problem = False, f"{exc.__class__.__name__}: {exc}".splitlines()[0]
            return False
        self.ready, self.problem = True, ""
        return True

    async def until_ready(self, engine: Engine, settings: Settings, on_ready: Callable[[], None]) -> None:
        """Retry with backoff until the database is migrated, then call `on_ready` once."""
        backoff = 0.5
        while not await asyncio.to_thread(self.try_once, engine, settings):
            log.warning("database still not ready (%s); retrying in %.1f s", self.problem, backoff)
            await asyncio.sleep(backoff)
            backoff = min(_MAX_BACKOFF_S, backoff * 2)
        log.warning("database ready: migrations applied, serving normally")
        on_ready()
