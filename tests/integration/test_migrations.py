"""One schema on SQLite and PostgreSQL: up, down, up again; and two processes migrating at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from alembic import command
from common.db import make_engine
from gateway.migrate import alembic_config, upgrade
from tests.support import ROOT, create_database, drop_database

TABLES = {"keys", "provider_settings", "custom_providers", "routes", "events", "conversations", "messages"}


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = create_database()
    yield url
    drop_database(url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    engine = make_engine(empty_database)
    upgrade(engine)
    assert _tables(empty_database) >= TABLES
    with engine.connect() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        conn.commit()
    assert not (TABLES & _tables(empty_database))
    upgrade(engine)
    assert _tables(empty_database) >= TABLES
    engine.dispose()


def test_two_processes_migrating_at_once_both_succeed(empty_database: str) -> None:
    code = "from common.db import get_engine; from gateway.migrate import upgrade; upgrade(get_engine())"
    env = {**os.environ, "DATABASE_URL": empty_database}
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert _tables(empty_database) >= TABLES
