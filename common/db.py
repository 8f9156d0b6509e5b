"""The one database engine factory (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from common.settings import get_settings


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite gets WAL and a busy timeout so processes can share it."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args={"connect_timeout": 5}
    )


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine for `DATABASE_URL`."""
    return make_engine(get_settings().storage.database_url)


def session() -> Session:
    """A session on the process-wide engine that keeps loaded rows usable after commit."""
    return Session(get_engine(), expire_on_commit=False)


def database_up(engine: Engine) -> bool:
    """True if the database answers a trivial query (blocking: call it off the event loop)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
