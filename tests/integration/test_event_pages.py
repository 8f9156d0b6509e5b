"""Keyset pages of the events explorer and the streamed CSV export, on PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from gateway.events import write_rows
from tests.integration.test_rollups import random_events

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(params=["postgresql", "sqlite"])
async def admin(request: pytest.FixtureRequest, pg_url: str, tmp_path) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:  # type: ignore[no-untyped-def]
    from gateway.admin.app import create_admin_app
    from tests.integration.test_admin_api import PASSWORD, _context

    url = pg_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'pages.db'}"
    if request.param == "sqlite":
        from tests.integration.conftest import migrate

        migrate(url)
    ctx = _context(url)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_admin_app(ctx)), base_url="http://admin",
                             headers={"X-API-KEY": PASSWORD})
    yield http, ctx.engine
    await http.aclose()
    ctx.engine.dispose()


async def test_keyset_pages_return_every_event_once_while_new_ones_arrive(admin) -> None:  # type: ignore[no-untyped-def]
    http, engine = admin
    rng = random.Random(5)
    rows = random_events(rng, 700, 1_700_000_000, 3600)
    for row in rows[::7]:  # ties on the sort column: the id decides
        row["created_at"] = 1_700_000_000.5
    model = "pages-" + str(rng.random())
    for row in rows:
        row["model"] = model
    write_rows(engine, rows)
    for sort, order in (("time", "desc"), ("cost", "asc"), ("latency", "desc")):
        seen: list[str] = []
        body = {"model": model, "limit": 37, "sort": sort, "order": order, "includeTotal": False}
        while True:
            page = (await http.post("/api/v2/events", json=body)).json()
            seen += [e["id"] for e in page["events"]]
            # Newer events keep arriving: they sort before the cursor (time) or anywhere (cost, latency),
            # but the events that were there from the start come exactly once.
            write_rows(engine, random_events(rng, 3, 1_700_000_000 + 7200, 60))
            if not page["nextCursor"]:
                break
            body["cursor"] = page["nextCursor"]
        original = {r["id"] for r in rows}
        assert len(seen) == len(set(seen))
        assert original <= set(seen)
    bad = await http.post("/api/v2/events", json={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("cursor")


async def test_csv_export_streams_every_match(admin) -> None:  # type: ignore[no-untyped-def]
    http, engine = admin
    rows = random_events(random.Random(8), 2300, 1_600_000_000, 3600)
    for row in rows:
        row["model"] = "export-model"
    write_rows(engine, rows)
    resp = await http.get("/api/events/export", params={"model": "export-model", "sort": "time", "order": "asc"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    exported = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["id"] for r in exported] == [r["id"] for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))]
    assert "request" not in exported[0]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0=", "WyJ4IiwgImlkIl0=", "WzEuNSwgM10=", "MTIz"])
async def test_a_forged_cursor_is_a_400_naming_it(admin, cursor: str) -> None:  # type: ignore[no-untyped-def]
    http, _ = admin
    resp = await http.post("/api/v2/events", json={"cursor": cursor})
    assert resp.status_code == 400 and resp.json()["error"]["message"].startswith("cursor")
