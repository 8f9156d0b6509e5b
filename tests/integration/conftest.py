"""Fixtures for integration tests: fresh, migrated databases (PostgreSQL per module, SQLite per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from common.db import make_engine
from gateway.migrate import upgrade
from tests.support import create_database, drop_database


def migrate(url: str) -> None:
    """Bring the database at `url` to the latest schema, as `python -m gateway` does."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """URL of a new PostgreSQL database, migrated to head; dropped after the module."""
    url = create_database()
    try:
        migrate(url)
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a new SQLite file database, migrated to head."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    migrate(url)
    return url
