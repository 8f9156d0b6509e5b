"""Apply pending Alembic migrations; safe when several gateway processes start at once."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from alembic import command
from common.settings import ROOT

_LOCK_ID = 7_240_331  # any constant shared by every gateway process


def alembic_config() -> Config:
    return Config(str(ROOT / "alembic.ini"))


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database or ""
    lock_path = Path(database + ".migrate.lock") if database and database != ":memory:" else None
    if lock_path is None:
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _upgrade(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Held while one process migrates and creates defaults: an advisory lock on PostgreSQL, a file lock on SQLite."""
    if engine.dialect.name != "postgresql":
        with _sqlite_lock(engine):
            yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
            conn.commit()


def upgrade(engine: Engine, revision: str = "head", then: Callable[[], None] | None = None) -> None:
    """Bring the schema to `revision` under the schema lock, then run `then` (first-start setup) under it too."""
    with schema_lock(engine):
        with engine.connect() as conn:
            _upgrade(conn, revision)
            conn.commit()
        if then is not None:
            then()
