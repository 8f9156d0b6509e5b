"""Event recording off the request path: an fsynced local log within one interval, then batched inserts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import Executable

from common.db import database_up
from gateway import rollups
from gateway.event import ProxyEvent
from gateway.eventlog import EventLog
from gateway.models import Event

log = logging.getLogger("gateway.events")

# How often the log directory is searched for the segments of processes that died.
_ORPHAN_SCAN_S = 5.0


def clean(text: str, limit: int | None = None) -> str:
    """Text a database column accepts: no NUL (PostgreSQL refuses it), optionally capped."""
    text = text.replace("\x00", "")
    return text[:limit] if limit else text


def write_rows(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert rows and add them to the rollups in one transaction; rows whose id is already stored are
    skipped (in the rollups too), so a retried or replayed batch never doubles."""
    if not rows:
        return
    dialect = engine.dialect.name
    table = Event.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes at runtime
    stmt: Executable
    if dialect == "postgresql":
        stmt = pg_insert(table).on_conflict_do_nothing(index_elements=["id"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["id"])
    else:
        stmt = insert(table)
    with engine.begin() as conn:
        inserted = set(conn.execute(stmt.returning(table.c.id), rows).scalars())
        rollups.add(conn, [row for row in rows if row["id"] in inserted])


class EventRecorder:
    """Makes every event durable within one interval (an fsynced local log, one fsync per batch), then
    writes the log to the database in batches from a background task; none lost, none doubled."""

    def __init__(self, engine: Engine, spool_dir: str, batch_size: int, interval_s: float, memory_limit: int) -> None:
        self._engine = engine
        self._spool_dir = Path(spool_dir)
        self._rejected = self._spool_dir / "rejected.jsonl"
        self._log = EventLog(self._spool_dir, memory_limit)
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._pending: list[dict[str, Any]] = []
        self._oldest_pending = 0.0  # monotonic time the oldest uncommitted event arrived
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[bool] | None = None
        self._retry_at = 0.0
        self._backoff_s = 0.0
        self._orphans_at = 0.0
        self._lock = asyncio.Lock()
        self.database_ok = True
        # False while the schema is not migrated yet: events are logged but not written.
        self.schema_ready = True

    def record(self, event: ProxyEvent) -> None:
        """Accept one event; never blocks the request. Queued as its row: the log and the insert take rows."""
        if not self._pending:
            self._oldest_pending = time.monotonic()
            self._wake.set()  # the commit deadline starts now, not at the end of an idle wait
        self._pending.append(event.row())
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    def pending_cost(self, key_id: str, since: float | None = None, column: str = "key_id") -> float:
        """Spend of a key (or, with column="user_id", a user) in events not yet in the database (as far
        as memory holds them)."""
        return sum(
            float(r["cost_in_usd"]) for r in (*self._pending, *self._log.unstored_rows())
            if r.get(column) == key_id and (since is None or r["created_at"] >= since)
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-log")

    async def stop(self) -> None:
        """Log what is left, try one last write; what the database cannot take stays in the log for the next start."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer:
            await self._writer
        await self._commit()
        if self.schema_ready:
            await self._store_logged()
        await asyncio.to_thread(self._log.close)

    async def flush(self) -> bool:
        """Log and write everything now (tests, shutdown); True if nothing is left waiting."""
        await self._commit()
        self._orphans_at = 0.0
        return await self._store_logged() and self._log.unstored_count() == 0

    async def _run(self) -> None:
        while True:
            await self._until_commit_due()
            await self._commit()
            now = time.monotonic()
            idle = self._writer is None or self._writer.done()
            due = self._log.unstored_count() > 0 or now >= self._orphans_at
            if idle and due and self.schema_ready and now >= self._retry_at:
                self._writer = asyncio.create_task(self._store_logged(), name="event-writer")

    async def _until_commit_due(self) -> None:
        """Wait until the oldest uncommitted event is half an interval old (the fsync gets the other half,
        even when a commit was still running when it arrived), or one interval when nothing waits."""
        while True:
            self._wake.clear()
            if self._pending:
                delay = self._oldest_pending + self._interval_s / 2 - time.monotonic()
                if delay <= 0 or len(self._pending) >= self._batch_size:
                    return
            else:
                delay = self._interval_s
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                return

    async def _commit(self) -> None:
        """The group commit: every event recorded since the last one goes to the log with a single fsync."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await asyncio.to_thread(self._log.append, batch)
        except Exception as exc:  # a full or read-only disk, say: keep them in memory, try again next interval
            self._pending[:0] = batch
            self._oldest_pending = time.monotonic()  # retry after half an interval, not in a tight loop
            log.error("cannot write the event log in %s (%s); %d events wait in memory", self._spool_dir, exc,
                      len(self._pending))

    async def _store_logged(self) -> bool:
        """Write logged events (this process's, then those of processes that died) to the database."""
        async with self._lock:
            try:
                await asyncio.to_thread(self._write_logged)
            except Exception as exc:
                if self.database_ok:
                    log.warning("database unavailable, events wait in the log in %s: %s", self._spool_dir, exc)
                self.database_ok = False
                self._backoff_s = min(10.0, self._backoff_s * 2 or 0.5)
                self._retry_at = time.monotonic() + self._backoff_s
                return False
        if not self.database_ok:
            log.warning("database is back: logged events written")
        self.database_ok, self._backoff_s = True, 0.0
        return True

    def _write_logged(self) -> None:
        for segment in self._log.seal():
            self._write_rows(segment.read())
            self._log.stored(segment)
        if time.monotonic() < self._orphans_at:
            return
        with self._log.orphans() as orphans:
            for segment in orphans:
                self._write_rows(segment.read())
                self._log.stored(segment)
        self._orphans_at = time.monotonic() + _ORPHAN_SCAN_S

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), self._batch_size):
            self._write_batch(rows[start : start + self._batch_size])

    def _write_batch(self, rows: list[dict[str, Any]]) -> None:
        """Write rows; if the database answers but refuses the batch, keep the good rows and set the bad aside."""
        try:
            write_rows(self._engine, rows)
            return
        except Exception:
            if not database_up(self._engine):
                raise
        for row in rows:
            try:
                write_rows(self._engine, [row])
            except Exception as exc:
                if not database_up(self._engine):
                    raise
                log.error("event %s refused by the database (%s); kept in %s", row.get("id"), exc, self._rejected)
                self._set_aside(row)

    def _set_aside(self, row: dict[str, Any]) -> None:
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        with self._rejected.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
