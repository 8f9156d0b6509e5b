"""A gateway killed with SIGKILL loses no event: not those of a database outage, not those older than the window."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text

from common.db import make_engine
from tests.integration.test_resilience import chat
from tests.support import TcpRelay

# EVENT_FLUSH_INTERVAL_S as tests/support.py sets it: an event is in the fsynced log within this time.
WINDOW_S = 0.2


def stored_ids(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT id FROM events"))]
    finally:
        engine.dispose()


def wait_for_ids(database_url: str, expected: set[str], timeout_s: float = 60.0) -> list[str]:
    """Stored event ids once all of `expected` are there (or the timeout passed), then once more a second later."""
    deadline = time.monotonic() + timeout_s
    while not expected <= set(stored_ids(database_url)) and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(1.0)  # a doubled replay would show up now
    return stored_ids(database_url)


def test_sigkill_during_a_database_outage_then_restart_stores_every_event_once(
        gateway_factory, fresh_database: str, upstream, log_dir: Path) -> None:
    relay = TcpRelay("127.0.0.1", 5432)
    spool = log_dir / f"spool-{uuid.uuid4().hex[:8]}"
    try:
        url = fresh_database.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
        gw = gateway_factory(url, upstream.url, KEY_CACHE_TTL_S="3600", SPOOL_DIR=str(spool))
        first = chat(gw)
        assert first.status_code == 200  # warms the key and provider caches
        relay.cut()
        served = [chat(gw, f"during outage {i}") for i in range(40)]
        assert [r.status_code for r in served] == [200] * 40
        time.sleep(WINDOW_S * 3)
        gw.child.stop(signal.SIGKILL)
        relay.restore()
        gateway_factory(url, upstream.url, SPOOL_DIR=str(spool))
        expected = {first.headers["x-event-id"], *(r.headers["x-event-id"] for r in served)}
        ids = wait_for_ids(fresh_database, expected)
    finally:
        relay.close()
    assert sorted(ids) == sorted(expected), "events lost or doubled across the SIGKILL"


def test_sigkill_in_normal_operation_loses_no_event_older_than_the_window(
        gateway_factory, fresh_database: str, upstream, log_dir: Path) -> None:
    spool = log_dir / f"spool-{uuid.uuid4().hex[:8]}"
    gw = gateway_factory(fresh_database, upstream.url, SPOOL_DIR=str(spool))
    finished: list[tuple[str, float]] = []  # (event id, when its response ended)
    killed_at: list[float] = []

    def kill_soon() -> None:
        time.sleep(1.5)
        killed_at.append(time.time())
        gw.child.stop(signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    with httpx.Client(timeout=10) as client:
        while not killed_at or time.time() < killed_at[0] + 1:
            try:
                resp = client.post(gw.proxy_url + "/v1/chat/completions",
                                   headers={"Authorization": f"Bearer {gw.frontend_key}"},
                                   json={"messages": [{"role": "user", "content": "hi"}]})
            except httpx.HTTPError:
                break
            if resp.status_code == 200:
                finished.append((resp.headers["x-event-id"], time.time()))
    killer.join()
    old_enough = {event_id for event_id, ended in finished if ended < killed_at[0] - WINDOW_S}
    assert len(old_enough) >= 5, "too few requests finished before the kill to test anything"
    gateway_factory(fresh_database, upstream.url, SPOOL_DIR=str(spool))
    ids = wait_for_ids(fresh_database, old_enough)
    assert old_enough <= set(ids), f"{len(old_enough - set(ids))} events older than the window were lost"
    assert len(ids) == len(set(ids)), "an event was stored twice"
