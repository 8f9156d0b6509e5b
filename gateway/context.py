"""What every HTTP app of one gateway process shares: settings, store, engine, start time."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from common.settings import Settings
from gateway.readiness import DatabaseSetup
from gateway.store import Store

if TYPE_CHECKING:
    from gateway.admission import Gate

CONFIG_CHANNEL = "config"


@dataclass
class Context:
    settings: Settings
    store: Store
    engine: Engine
    gate: Gate | None = None  # quotas and the slot scheduler, for the dashboard's live view
    started_at: float = field(default_factory=time.time)
    # Ready unless the process started while the database was away; then it turns ready in the background.
    database: DatabaseSetup = field(default_factory=DatabaseSetup)

    async def config_changed(self, kind: str) -> None:
        """Tell every gateway process (via the store) that keys/providers/routes changed."""
        await self.store.publish(CONFIG_CHANNEL, kind)
