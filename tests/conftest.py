"""Process-level fixtures: scripted upstreams, fresh PostgreSQL databases and real gateway processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import REDIS_URL, Gateway, Upstream, create_database, drop_database, start_gateway, start_upstream


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="module")
def upstream(log_dir: Path) -> Iterator[Upstream]:
    up = start_upstream(log_dir)
    yield up
    up.child.stop()


@pytest.fixture
def fresh_database() -> Iterator[str]:
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture
def gateway_factory(log_dir: Path) -> Iterator[Callable[..., Gateway]]:
    """Start gateways on demand; every one is stopped after the test."""
    started: list[Gateway] = []

    def factory(database_url: str, llama_url: str, redis: bool = True, redis_prefix: str = "", **env: str) -> Gateway:
        gw = start_gateway(log_dir, database_url, llama_url, REDIS_URL if redis else "", redis_prefix, **env)
        started.append(gw)
        return gw

    yield factory
    for gw in started:
        gw.child.stop()


@pytest.fixture(scope="module")
def gateway(log_dir: Path, upstream: Upstream) -> Iterator[Gateway]:
    """One gateway on PostgreSQL + Redis in front of the scripted upstream, shared by a test module."""
    url = create_database()
    gw = start_gateway(log_dir, url, upstream.url, REDIS_URL, f"test:{uuid.uuid4().hex[:8]}:")
    yield gw
    gw.child.stop()
    drop_database(url)
