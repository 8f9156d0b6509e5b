"""Event recording off the request path: batched inserts; memory, then a spool file, while the database is away."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from gateway.metrics import EVENTS_PENDING
from gateway.models import Event

log = logging.getLogger("gateway.events")


def write_rows(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert rows; rows whose id is already stored are skipped, so a retried batch never doubles."""
    if not rows:
        return
    dialect = engine.dialect.name
    if dialect == "postgresql":
        stmt = pg_insert(Event.__table__).on_conflict_do_nothing(index_elements=["id"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(Event.__table__).on_conflict_do_nothing(index_elements=["id"])
    else:
        stmt = insert(Event.__table__)
    with engine.begin() as conn:
        conn.execute(stmt, rows)


def spend_since(engine: Engine, key_id: str, since: float | None) -> float:
    """Sum of recorded event costs of a key, optionally since a unix time."""
    with Session(engine) as db:
        query = select(func.coalesce(func.sum(Event.cost_in_usd), 0.0)).where(Event.key_id == key_id)
        if since is not None:
            query = query.where(Event.created_at >= since)
        return float(db.exec(query).one())


class EventRecorder:
    """Queues events and writes them in batches from a background task; none lost, none doubled."""

    def __init__(self, engine: Engine, spool_dir: str, batch_size: int, interval_s: float, memory_limit: int) -> None:
        self._engine = engine
        self._spool_dir = Path(spool_dir)
        self._spool = self._spool_dir / f"events-{os.getpid()}.jsonl"
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._memory_limit = memory_limit
        self._pending: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._backoff_s = 0.0
        self._lock = asyncio.Lock()
        self.database_ok = True

    def record(self, row: dict[str, Any]) -> None:
        """Accept one event; never blocks the request."""
        self._pending.append(row)
        if len(self._pending) > self._memory_limit:
            self._spill(self._pending[: len(self._pending) - self._memory_limit])
            del self._pending[: len(self._pending) - self._memory_limit]
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    def pending_cost(self, key_id: str, since: float | None = None) -> float:
        """Spend of a key in events not yet written (memory only; the spool is counted once written)."""
        return sum(
            r["cost_in_usd"] for r in self._pending
            if r["key_id"] == key_id and (since is None or r["created_at"] >= since)
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-writer")

    async def stop(self) -> None:
        """Write what is left; whatever the database cannot take now goes to the spool file."""
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if not await self._flush_once():
            self._spill(self._pending)
            self._pending = []

    async def flush(self) -> bool:
        """Write everything now (tests, shutdown); True if nothing is left waiting."""
        return await self._flush_once() and not self._spool_files()

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._interval_s + self._backoff_s)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            ok = await self._flush_once()
            self._backoff_s = 0.0 if ok else min(10.0, self._backoff_s * 2 or 0.5)

    async def _flush_once(self) -> bool:
        async with self._lock:
            return await self._write_pending()

    async def _write_pending(self) -> bool:
        try:
            await asyncio.to_thread(self._drain_spool)
            while self._pending:
                batch = self._pending[: self._batch_size]
                await asyncio.to_thread(write_rows, self._engine, batch)
                del self._pending[: len(batch)]
        except Exception as exc:
            if self.database_ok:
                log.warning("database unavailable, keeping %d events for later: %s", len(self._pending), exc)
            self.database_ok = False
            return False
        if not self.database_ok:
            log.warning("database is back: stored events written")
        self.database_ok = True
        return True

    def _spill(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        with self._spool.open("a", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        EVENTS_PENDING.inc(len(rows))

    def _spool_files(self) -> list[Path]:
        return sorted(self._spool_dir.glob("events-*.jsonl")) if self._spool_dir.exists() else []

    def _drain_spool(self) -> None:
        """Write spooled events of any process (claimed by rename, so two writers never share a file)."""
        for path in self._spool_files():
            claimed = path.with_suffix(f".{os.getpid()}.{time.monotonic_ns()}.claimed")
            try:
                path.rename(claimed)
            except FileNotFoundError:
                continue
            self._write_file(claimed)
        for claimed in sorted(self._spool_dir.glob("*.claimed")) if self._spool_dir.exists() else []:
            if f".{os.getpid()}." in claimed.name:
                self._write_file(claimed)

    def _write_file(self, path: Path) -> None:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for start in range(0, len(rows), self._batch_size):
            write_rows(self._engine, rows[start : start + self._batch_size])
        path.unlink()
