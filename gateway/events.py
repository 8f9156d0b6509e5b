"""Event recording off the request path: batched inserts; memory, then a spool file, while the database is away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
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
from gateway.metrics import EVENTS_PENDING
from gateway.models import Event

log = logging.getLogger("gateway.events")


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
    """Queues events and writes them in batches from a background task; none lost, none doubled."""

    def __init__(self, engine: Engine, spool_dir: str, batch_size: int, interval_s: float, memory_limit: int) -> None:
        self._engine = engine
        self._spool_dir = Path(spool_dir)
        self._spool = self._spool_dir / f"events-{os.getpid()}.jsonl"
        self._rejected = self._spool_dir / "rejected.jsonl"
        self._file_lock = threading.Lock()
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._memory_limit = memory_limit
        self._pending: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._backoff_s = 0.0
        self._lock = asyncio.Lock()
        self.database_ok = True

    def record(self, event: ProxyEvent) -> None:
        """Accept one event; never blocks the request. Queued as its row: the spool and the insert take rows."""
        self._pending.append(event.row())
        if len(self._pending) > self._memory_limit:
            self._spill(self._pending[: len(self._pending) - self._memory_limit])
            del self._pending[: len(self._pending) - self._memory_limit]
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    def pending_cost(self, key_id: str, since: float | None = None) -> float:
        """Spend of a key in events not yet written (memory only; the spool is counted once written)."""
        return sum(
            float(r["cost_in_usd"]) for r in self._pending
            if r["key_id"] == key_id and (since is None or r["created_at"] >= since)
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-writer")

    async def stop(self) -> None:
        """Write what is left; whatever the database cannot take now goes to the spool file."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if not await self._flush_once():
            self._spill(self._pending)
            self._pending = []

    async def flush(self) -> bool:
        """Write everything now (tests, shutdown); True if nothing is left waiting."""
        return await self._flush_once() and not self._spool_files()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval_s + self._backoff_s)
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
                # Taken out before the write: record() may spill the front of the queue meanwhile.
                batch, self._pending = self._pending[: self._batch_size], self._pending[self._batch_size :]
                try:
                    await asyncio.to_thread(self._write_batch, batch)
                except Exception:
                    self._pending[:0] = batch
                    raise
        except Exception as exc:
            if self.database_ok:
                log.warning("database unavailable, keeping %d events for later: %s", len(self._pending), exc)
            self.database_ok = False
            return False
        if not self.database_ok:
            log.warning("database is back: stored events written")
        self.database_ok = True
        return True

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
                with self._file_lock:
                    self._append(self._rejected, [row])

    def _append(self, path: Path, rows: list[dict[str, Any]]) -> None:
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _spill(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self._file_lock:
            self._append(self._spool, rows)
        EVENTS_PENDING.inc(len(rows))

    def _spool_files(self) -> list[Path]:
        return sorted(self._spool_dir.glob("events-*.jsonl")) if self._spool_dir.exists() else []

    def _drain_spool(self) -> None:
        """Write spooled events of any process; a file is claimed by rename and handed back if the write fails."""
        self._release_orphans()
        for path in self._spool_files():
            claimed = path.with_name(f"{path.name}.{os.getpid()}.claimed")
            with self._file_lock:
                try:
                    path.rename(claimed)
                except FileNotFoundError:
                    continue
                lines = claimed.read_text(encoding="utf-8").splitlines()
            try:
                self._write_lines(lines)
            except Exception:
                claimed.rename(self._spool_dir / f"events-{os.getpid()}-{time.time_ns()}.jsonl")
                raise
            claimed.unlink()

    def _write_lines(self, lines: list[str]) -> None:
        rows = []
        for line in lines:
            try:
                rows.append(json.loads(line))
            except ValueError:  # a line torn by a crash mid-write carries no complete event
                log.error("skipping an unreadable spool line: %r", line[:200])
        for start in range(0, len(rows), self._batch_size):
            self._write_batch(rows[start : start + self._batch_size])

    def _release_orphans(self) -> None:
        """Hand back files claimed by a process that died before writing them."""
        if not self._spool_dir.exists():
            return
        for claimed in self._spool_dir.glob("*.claimed"):
            pid = int(claimed.name.rsplit(".", 2)[-2]) if claimed.name.rsplit(".", 2)[-2].isdigit() else 0
            if pid != os.getpid() and not _alive(pid):
                claimed.rename(self._spool_dir / f"events-{pid}-{time.time_ns()}.jsonl")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
