"""The admin API against real PostgreSQL (and one round trip on SQLite), in-process over ASGI."""

from __future__ import annotations

import hashlib
import statistics
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from sqlmodel import Session, select

from common.db import make_engine
from common.settings import Settings
from gateway.admin.app import create_admin_app
from gateway.context import CONFIG_CHANNEL, Context
from gateway.events import write_rows
from gateway.models import Event, Key, ProviderSetting, Route
from gateway.store import LocalStore

pytestmark = pytest.mark.asyncio

PASSWORD = "admin-pass-for-tests"


@dataclass
class Admin:
    """An admin client plus what the test needs to look behind the API."""

    http: httpx.AsyncClient
    ctx: Context
    changes: list[str] = field(default_factory=list)

    def db(self) -> Session:
        return Session(self.ctx.engine, expire_on_commit=False)

    def add_events(self, *events: Event) -> None:
        """Store events as the recorder does: inserted and rolled up in one transaction."""
        write_rows(self.ctx.engine, [ev.model_dump() for ev in events])


def _context(url: str, admin_pass: str = PASSWORD) -> Context:
    settings = Settings.load(admin_pass=admin_pass, database_url=url, redis_url="")
    return Context(settings=settings, store=LocalStore(), engine=make_engine(url))


async def _admin(url: str, admin_pass: str = PASSWORD) -> Admin:
    ctx = _context(url, admin_pass)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_admin_app(ctx)), base_url="http://admin",
        headers={"X-API-KEY": PASSWORD},
    )
    admin = Admin(http=http, ctx=ctx)
    await ctx.store.subscribe(CONFIG_CHANNEL, admin.changes.append)
    return admin


@pytest_asyncio.fixture
async def admin(pg_url: str) -> AsyncIterator[Admin]:
    client = await _admin(pg_url)
    yield client
    await client.http.aclose()
    client.ctx.engine.dispose()


def _error(resp: httpx.Response, status: int) -> str:
    """Assert the OpenAI error shape with `status`; return the message."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body["error"]) == {"message", "type", "code"}
    return body["error"]["message"]


def _uid() -> str:
    return uuid.uuid4().hex[:10]


# --- auth --------------------------------------------------------------------------------------


async def test_every_endpoint_but_health_needs_the_admin_password(admin: Admin) -> None:
    anonymous = {"X-API-KEY": ""}
    assert "missing admin password" in _error(await admin.http.get("/api/key-management/keys", headers=anonymous), 401)
    wrong = await admin.http.get("/api/routes", headers={"X-API-KEY": "nope"})
    assert "wrong admin password" in _error(wrong, 401)
    wrong_bearer = await admin.http.post("/api/v2/events", json={}, headers={"X-API-KEY": "", "Authorization": "Bearer x"})
    _error(wrong_bearer, 401)
    _error(await admin.http.get("/metrics", headers=anonymous), 401)

    bearer = await admin.http.get("/api/routes", headers={"X-API-KEY": "", "Authorization": f"Bearer {PASSWORD}"})
    assert bearer.status_code == 200

    health = await admin.http.get("/api/health", headers=anonymous)
    assert health.json() == {"status": "ok", "database": True, "redis": None, "migrated": True, "problems": []}
    assert (await admin.http.get("/openapi.json", headers=anonymous)).status_code == 200


async def test_without_admin_pass_the_admin_api_refuses_everything(pg_url: str) -> None:
    closed = await _admin(pg_url, admin_pass="")
    try:
        message = _error(await closed.http.get("/api/key-management/keys"), 401)
        assert "ADMIN_PASS is not set" in message
        _error(await closed.http.put("/api/key-management/keys", json={"name": "x"}), 401)
    finally:
        await closed.http.aclose()
        closed.ctx.engine.dispose()


async def test_unknown_endpoint_and_method_are_json_errors(admin: Admin) -> None:
    assert "no such endpoint" in _error(await admin.http.get("/api/nope"), 404)
    _error(await admin.http.post("/api/health"), 405)


# --- keys --------------------------------------------------------------------------------------


async def test_key_round_trip_shows_the_raw_key_once_and_stores_only_its_sha256(admin: Admin) -> None:
    tag = f"team-{_uid()}"
    created = await admin.http.put("/api/key-management/keys", json={
        "name": "Round Trip", "tags": [tag, "shared"], "rateLimitOverTime": 20, "rateLimitUnit": "m",
        "costLimitInUsd": 5, "costLimitInUsdOverTime": 1.5, "costLimitInUsdUnit": "d", "ttl": "2h",
        "allowedPaths": [{"path": "/v1/chat/completions", "method": "post"}], "allowedModels": ["local"],
        "shouldLogRequest": True, "cacheConfig": {"enabled": True, "ttl": "10m"},
    })
    assert created.status_code == 200, created.text
    body = created.json()
    raw, key_id = body["key"], body["keyId"]
    assert raw.startswith("sk-") and len(raw) > 30
    assert body["expiresAt"] == body["createdAt"] + 7200
    assert body["allowedPaths"] == [{"path": "/v1/chat/completions", "method": "POST"}]
    assert body["cacheConfig"] == {"enabled": True, "ttl": 600}
    assert admin.changes == ["keys"]

    with admin.db() as db:
        row = db.get(Key, key_id)
        assert row is not None
        assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in repr(row.model_dump())
        assert (row.rate_limit_over_time, row.rate_limit_unit, row.cost_limit_in_usd_unit) == (20, "m", "d")

    listed = await admin.http.get("/api/key-management/keys", params={"tag": tag})
    assert listed.headers["X-Total-Count"] == "1"
    [shown] = listed.json()
    assert shown["keyId"] == key_id and shown["key"] == "…" + raw[-4:] and raw not in listed.text
    assert shown["name"] == "Round Trip" and shown["costLimitInUsdOverTime"] == 1.5

    revoked = await admin.http.patch(f"/api/key-management/keys/{key_id}",
                                      json={"revoked": True, "revokedReason": "leaked"})
    assert (revoked.json()["revoked"], revoked.json()["revokedReason"]) == (True, "leaked")
    assert revoked.json()["key"] == "…" + raw[-4:]
    assert revoked.json()["rateLimitOverTime"] == 20  # a partial update leaves other fields alone

    deleted = await admin.http.delete(f"/api/key-management/keys/{key_id}")
    assert deleted.json() == {"keyId": key_id, "deleted": True}
    _error(await admin.http.patch(f"/api/key-management/keys/{key_id}", json={"name": "x"}), 404)
    _error(await admin.http.delete(f"/api/key-management/keys/{key_id}"), 404)
    assert admin.changes == ["keys", "keys", "keys"]


async def test_a_given_raw_key_is_used_and_a_duplicate_is_a_conflict(admin: Admin) -> None:
    raw = f"sk-custom-{_uid()}"
    setting = (await admin.http.put("/api/provider-settings", json={"provider": "openai"})).json()["id"]
    created = await admin.http.put("/api/key-management/keys", json={"name": "mine", "key": raw, "settingId": setting})
    assert created.json()["key"] == raw and created.json()["settingIds"] == [setting]
    duplicate = await admin.http.put("/api/key-management/keys", json={"name": "again", "key": raw})
    assert "already exists" in _error(duplicate, 409)


async def test_key_filters_and_pagination(admin: Admin) -> None:
    team = f"t-{_uid()}"
    ids = []
    for index in range(5):
        tags = [team, "even" if index % 2 == 0 else "odd"]
        resp = await admin.http.put("/api/key-management/keys", json={"name": f"Filter {team} {index}", "tags": tags})
        ids.append(resp.json()["keyId"])
    await admin.http.patch(f"/api/key-management/keys/{ids[0]}", json={"revoked": True})

    async def key_ids(**params: object) -> list[str]:
        resp = await admin.http.get("/api/key-management/keys", params=params)
        assert resp.status_code == 200, resp.text
        return [k["keyId"] for k in resp.json()]

    assert set(await key_ids(tag=team)) == set(ids)
    assert set(await key_ids(tags=f"{team},even")) == {ids[0], ids[2], ids[4]}
    assert set(await key_ids(tags=[team, "odd"])) == {ids[1], ids[3]}
    assert await key_ids(keyIds=f"{ids[1]},{ids[3]}", revoked="false") in ([ids[3], ids[1]], [ids[1], ids[3]])
    assert await key_ids(tag=team, revoked="true") == [ids[0]]
    assert set(await key_ids(name=f"filter {team.upper()}")) == set(ids)

    everything = await key_ids(tag=team)
    page = await admin.http.get("/api/key-management/keys", params={"tag": team, "offset": 1, "limit": 2})
    assert page.headers["X-Total-Count"] == "5"
    assert [k["keyId"] for k in page.json()] == everything[1:3]


@pytest.mark.parametrize(("body", "field"), [
    ({"costLimitInUsd": -1}, "costLimitInUsd"),
    ({"rateLimitOverTime": 5}, "rateLimitUnit"),
    ({"rateLimitOverTime": 5, "rateLimitUnit": "w"}, "rateLimitUnit"),
    ({"costLimitInUsdOverTime": 2, "costLimitInUsdUnit": "s"}, "costLimitInUsdUnit"),
    ({"rateLimitOverTime": "many", "rateLimitUnit": "m"}, "rateLimitOverTime"),
    ({"ttl": "5 weeks"}, "ttl"),
    ({"allowedPaths": [{"path": "/v1/models"}]}, "allowedPaths.0.method"),
    ({"tags": "not-a-list"}, "tags"),
    ({"key": "short"}, "key"),
    ({"settingIds": ["no-such-setting"]}, "settingIds.0"),
])
async def test_bad_key_fields_are_400_naming_the_field(admin: Admin, body: dict, field: str) -> None:
    message = _error(await admin.http.put("/api/key-management/keys", json={"name": "bad", **body}), 400)
    assert message.startswith(field), message


async def test_malformed_json_is_400(admin: Admin) -> None:
    resp = await admin.http.put("/api/key-management/keys", content=b"{nope", headers={"content-type": "application/json"})
    assert "not valid JSON" in _error(resp, 400)
    form = await admin.http.put("/api/key-management/keys", content=b'{"name": "x"}',
                                headers={"content-type": "application/x-www-form-urlencoded"})
    assert "must be a JSON object" in _error(form, 400)


async def test_a_json_body_without_content_type_is_accepted(admin: Admin) -> None:
    resp = await admin.http.put("/api/key-management/keys", content=b'{"name": "bare curl"}')
    assert resp.status_code == 200 and resp.json()["name"] == "bare curl"


# --- provider settings and custom providers --------------------------------------------------------


async def test_provider_setting_round_trip_masks_the_apikey(admin: Admin) -> None:
    secret = "sk-upstream-secret-9876"
    created = await admin.http.put("/api/provider-settings", json={
        "provider": "openai", "name": "main", "setting": {"url": "https://api.example.com/v1/", "apikey": secret},
        "allowedModels": ["gpt-x"],
        "costMap": {"promptCostPerModel": {"gpt-x": 0.5}, "completionCostPerModel": {"gpt-x": 1.5}},
    })
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["setting"] == {"url": "https://api.example.com/v1", "apikey": "…9876"}
    assert body["costMap"] == {"promptCostPerModel": {"gpt-x": 0.5}, "completionCostPerModel": {"gpt-x": 1.5}}
    assert admin.changes == ["providers"]

    # The client edits the URL and sends the masked apikey back: the stored secret must survive.
    patched = await admin.http.patch(f"/api/provider-settings/{body['id']}", json={
        "setting": {"url": "https://api2.example.com", "apikey": "…9876"}, "name": "renamed",
    })
    assert patched.json()["name"] == "renamed" and patched.json()["setting"]["apikey"] == "…9876"
    with admin.db() as db:
        row = db.get(ProviderSetting, body["id"])
        assert row is not None and row.setting == {"url": "https://api2.example.com", "apikey": secret}
        assert row.cost_map["promptCostPerModel"] == {"gpt-x": 0.5}

    listed = await admin.http.get("/api/provider-settings")
    assert secret not in listed.text and body["id"] in {s["id"] for s in listed.json()}

    negative = await admin.http.patch(f"/api/provider-settings/{body['id']}",
                                      json={"costMap": {"promptCostPerModel": {"gpt-x": -1}}})
    assert _error(negative, 400).startswith("costMap.promptCostPerModel.gpt-x")
    _error(await admin.http.patch("/api/provider-settings/missing", json={"name": "x"}), 404)
    assert _error(await admin.http.put("/api/provider-settings", json={"name": "x"}), 400).startswith("provider")


async def test_custom_provider_round_trip(admin: Admin) -> None:
    name = f"llama-{_uid()}"
    created = await admin.http.post("/api/custom/providers", json={
        "provider": name, "url": "http://127.0.0.1:5002/", "authenticationParam": "Authorization",
        "routeConfigs": [{"path": "/chat/completions", "target": "/v1/chat/completions"}],
    })
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["urls"] == ["http://127.0.0.1:5002"] and body["url"] == "http://127.0.0.1:5002"
    assert body["routeConfigs"][0]["target"] == "/v1/chat/completions"

    assert "already exists" in _error(await admin.http.post("/api/custom/providers",
                                                             json={"provider": name, "url": "http://a:1"}), 409)
    patched = await admin.http.patch(f"/api/custom/providers/{body['id']}",
                                     json={"urls": ["http://10.0.0.1:5002", "http://10.0.0.2:5002"]})
    assert patched.json()["urls"] == ["http://10.0.0.1:5002", "http://10.0.0.2:5002"]
    assert patched.json()["authenticationParam"] == "Authorization"
    listed = await admin.http.get("/api/custom/providers")
    assert name in {p["provider"] for p in listed.json()}
    assert admin.changes == ["providers", "providers"]

    bad_url = await admin.http.post("/api/custom/providers", json={"provider": f"x{_uid()}", "urls": ["ftp://x"]})
    assert _error(bad_url, 400).startswith("urls.0")
    bad_name = await admin.http.post("/api/custom/providers", json={"provider": "a/b", "url": "http://a:1"})
    assert _error(bad_name, 400).startswith("provider")
    _error(await admin.http.patch("/api/custom/providers/missing", json={"urls": ["http://a:1"]}), 404)


# --- routes ------------------------------------------------------------------------------------


async def test_route_round_trip(admin: Admin) -> None:
    path = f"prod-{_uid()}/chat"
    created = await admin.http.post("/api/routes", json={
        "name": "prod", "path": path + "/", "keyIds": ["k1"], "retries": 1,
        "steps": [{"provider": "llama-cpp-root", "model": "local", "timeout": "2s"},
                  {"provider": "backup", "model": "local", "retries": 2, "params": {"temperature": 0}}],
        "cacheConfig": {"enabled": True, "ttl": "1h"},
    })
    assert created.status_code == 200, created.text
    route = created.json()
    assert route["path"] == "/" + path
    assert route["steps"][0] == {"provider": "llama-cpp-root", "model": "local", "retries": None, "params": {},
                                 "timeout": 2.0}
    with admin.db() as db:  # the proxy falls back to the route's retries when a step has none
        assert db.get(Route, route["id"]).steps[0] == {"provider": "llama-cpp-root", "model": "local", "params": {},
                                                       "timeout": 2.0}
    assert route["cacheConfig"] == {"enabled": True, "ttl": 3600}

    fetched = await admin.http.get(f"/api/routes/{route['id']}")
    assert fetched.json() == route
    assert route["id"] in {r["id"] for r in (await admin.http.get("/api/routes")).json()}

    duplicate = await admin.http.post("/api/routes", json={"path": "/" + path, "steps": [{"provider": "p", "model": "m"}]})
    assert "already exists" in _error(duplicate, 409)
    assert _error(await admin.http.post("/api/routes", json={"path": "x", "steps": []}), 400).startswith("steps")

    assert (await admin.http.delete(f"/api/routes/{route['id']}")).json() == {"id": route["id"], "deleted": True}
    _error(await admin.http.get(f"/api/routes/{route['id']}"), 404)
    _error(await admin.http.delete(f"/api/routes/{route['id']}"), 404)
    assert admin.changes == ["routes", "routes"]


# --- events ------------------------------------------------------------------------------------


def _event(key_id: str, created_at: float, **fields: object) -> Event:
    return Event(id=str(uuid.uuid4()), key_id=key_id, created_at=created_at, provider="llama-cpp-root",
                 path="/v1/chat/completions", **fields)


async def test_events_listing_filters_sorting_and_pages(admin: Admin) -> None:
    key, other = _uid(), _uid()
    t0 = 1_700_000_000.0
    events = [
        _event(key, t0 + 1, model="a", status=200, cost_in_usd=0.3, latency_in_ms=50, tags=["x", "y"], request='{"m":1}'),
        _event(key, t0 + 2, model="b", status=429, cost_in_usd=0.0, latency_in_ms=5, tags=["x"]),
        _event(key, t0 + 3, model="a", status=200, stream=True, cost_in_usd=0.1, latency_in_ms=500,
               time_to_first_token_ms=40.0, prompt_token_count=7, completion_token_count=9),
        _event(key, t0 + 4, model="a", status=200, cache_hit=True, cost_in_usd=0.2, latency_in_ms=2),
        _event(other, t0 + 5, model="a", status=200),
    ]
    admin.add_events(*events)

    async def ids(**params: object) -> list[str]:
        resp = await admin.http.get("/api/events", params={"keyIds": key, **params})
        assert resp.status_code == 200, resp.text
        return [e["id"] for e in resp.json()]

    e = [ev.id for ev in events]
    assert await ids() == [e[3], e[2], e[1], e[0]]
    assert await ids(status=429) == [e[1]]
    assert await ids(model="a", stream="true") == [e[2]]
    assert await ids(cached="true") == [e[3]]
    assert await ids(start=t0 + 2, end=t0 + 4) == [e[2], e[1]]
    assert await ids(sort="cost", order="asc") == [e[1], e[2], e[3], e[0]]
    assert await ids(sort="latency") == [e[2], e[0], e[1], e[3]]
    assert set(await ids(keyIds=f"{key},{other}")) == set(e)

    page = await admin.http.get("/api/events", params={"keyIds": key, "offset": 1, "limit": 2})
    assert [ev["id"] for ev in page.json()] == [e[2], e[1]] and page.headers["X-Total-Count"] == "4"

    streamed = (await admin.http.get("/api/events", params={"keyIds": key, "stream": "true"})).json()[0]
    assert streamed == {
        "id": e[2], "created_at": t0 + 3, "key_id": key, "tags": [], "provider": "llama-cpp-root", "model": "a",
        "path": "/v1/chat/completions", "method": "POST", "route_id": "", "status": 200, "stream": True,
        "prompt_token_count": 7, "completion_token_count": 9, "cost_in_usd": 0.1, "latency_in_ms": 500.0,
        "time_to_first_token_ms": 40.0, "cache_hit": False, "upstream": "", "queue_wait_ms": None, "error": "",
            "custom_id": "", "user_id": "",
        "request": None, "response": None,
    }

    v2 = await admin.http.post("/api/v2/events", json={"keyIds": [key], "tags": ["x"], "limit": 1})
    assert v2.json()["total"] == 2 and [ev["id"] for ev in v2.json()["events"]] == [e[1]]
    both_tags = await admin.http.post("/api/v2/events", json={"keyIds": [key], "tags": ["x", "y"]})
    assert [ev["id"] for ev in both_tags.json()["events"]] == [e[0]]
    assert both_tags.json()["events"][0]["request"] == '{"m":1}'

    assert _error(await admin.http.get("/api/events", params={"sort": "size"}), 400).startswith("sort")
    assert _error(await admin.http.post("/api/v2/events", json={"limit": 0}), 400).startswith("limit")


# --- reporting -----------------------------------------------------------------------------------


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    """Median, 95th and 99th percentile by linear interpolation (statistics' "inclusive" method)."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


async def test_reporting_matches_sums_and_percentiles_of_the_events(admin: Admin) -> None:
    key, other = _uid(), _uid()
    start, increment = 1_600_000_000, 60
    latencies = [[12.0, 30.0, 7.5, 400.0, 51.0], [], [3.0, 1000.0, 20.0]]
    events = []
    for bucket, values in enumerate(latencies):
        for i, latency in enumerate(values):
            events.append(_event(
                key, start + bucket * increment + i * 7.3, model="m", latency_in_ms=latency,
                prompt_token_count=10 + i, completion_token_count=3 * i, cost_in_usd=0.001 * (i + 1),
                status=500 if i == 1 else 200, error="cut" if i == 2 else "", cache_hit=i == 3, tags=["rep"],
            ))
    events.append(_event(other, start + 5, model="n", latency_in_ms=9999.0, cost_in_usd=5.0))
    events.append(_event(key, start + 3 * increment, latency_in_ms=1.0))  # at `end`: outside
    admin.add_events(*events)
    mine = [ev for ev in events[:-2]]

    resp = await admin.http.post("/api/reporting/events", json={
        "keyIds": [key], "start": start, "end": start + 3 * increment, "increment": increment,
    })
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert [p["timeStamp"] for p in report["dataPoints"]] == [start, start + 60, start + 120]
    for point, values in zip(report["dataPoints"], latencies, strict=False):
        rows = [ev for ev in mine if point["timeStamp"] <= ev.created_at < point["timeStamp"] + increment]
        assert point["numberOfRequests"] == len(values) == len(rows)
        assert point["promptTokenCount"] == sum(ev.prompt_token_count for ev in rows)
        assert point["completionTokenCount"] == sum(ev.completion_token_count for ev in rows)
        assert point["costInUsd"] == pytest.approx(sum(ev.cost_in_usd for ev in rows))
        assert point["errorCount"] == sum(1 for ev in rows if ev.status >= 400 or ev.error)
        assert point["cacheHitCount"] == sum(1 for ev in rows if ev.cache_hit)
        if values:
            median, p95, p99 = _quantiles(values)
            assert point["latencyInMs"] == pytest.approx(statistics.fmean(values))
            # Percentiles come from a log-spaced histogram: within 1 % of the exact value.
            assert point["latencyInMsMedian"] == pytest.approx(median, rel=0.01)
            assert point["latencyInMs95th"] == pytest.approx(p95, rel=0.01)
            assert point["latencyInMs99th"] == pytest.approx(p99, rel=0.01)
        else:
            assert point["latencyInMs"] == point["latencyInMs99th"] == 0
    overall = [v for values in latencies for v in values]
    assert report["latencyInMsMedian"] == pytest.approx(_quantiles(overall)[0], rel=0.01)
    assert report["latencyInMs99th"] == pytest.approx(_quantiles(overall)[2], rel=0.01)

    by_tag = await admin.http.post("/api/reporting/events", json={
        "tags": ["rep"], "start": start, "end": start + 3 * increment, "increment": 3 * increment,
    })
    assert by_tag.json()["dataPoints"][0]["numberOfRequests"] == len(mine)

    too_many = await admin.http.post("/api/reporting/events", json={"start": 0, "end": 10**9, "increment": 1})
    assert _error(too_many, 400).startswith("increment")
    assert _error(await admin.http.post("/api/reporting/events", json={"start": 5, "end": 5, "increment": 1}),
                  400).startswith("end")
    assert _error(await admin.http.post("/api/reporting/events", json={"end": 5, "increment": 1}),
                  400).startswith("start")


async def test_key_usage_and_top_keys_and_models(admin: Admin) -> None:
    names = {}
    for label in ("big", "busy", "small"):
        resp = await admin.http.put("/api/key-management/keys", json={"name": label})
        names[label] = resp.json()["keyId"]
    big, busy, small = names["big"], names["busy"], names["small"]
    t = 1_500_000_000.0
    admin.add_events(
        _event(big, t, model="m1", cost_in_usd=2.0, prompt_token_count=100, completion_token_count=50),
        _event(big, t + 1, model="m2", cost_in_usd=1.0, prompt_token_count=10, completion_token_count=5),
        _event(busy, t + 2, model="m2", cost_in_usd=0.5),
        _event(busy, t + 3, model="m2", cost_in_usd=0.5),
        _event(small, t + 4, model="m3", cost_in_usd=1.0),
        _event(big, t + 100, model="m1", cost_in_usd=7.0),  # outside the window below
    )

    usage = (await admin.http.get(f"/api/reporting/keys/{big}")).json()
    assert usage == {"keyId": big, "costInUsd": pytest.approx(10.0), "requests": 3,
                     "promptTokenCount": 110, "completionTokenCount": 55}
    windowed = (await admin.http.get(f"/api/reporting/keys/{big}", params={"start": int(t), "end": int(t) + 50})).json()
    assert windowed["costInUsd"] == pytest.approx(3.0) and windowed["requests"] == 2
    _error(await admin.http.get("/api/reporting/keys/no-such-key"), 404)

    top = (await admin.http.post("/api/reporting/top-keys", json={"start": int(t), "end": int(t) + 50})).json()
    # busy and small both spent 1.0: more requests ranks first.
    assert [(p["keyId"], p["name"], p["requests"]) for p in top["dataPoints"]] == [
        (big, "big", 2), (busy, "busy", 2), (small, "small", 1)]
    one = (await admin.http.post("/api/reporting/top-keys", json={"start": int(t), "end": int(t) + 50, "limit": 1}))
    assert [p["keyId"] for p in one.json()["dataPoints"]] == [big]

    models = (await admin.http.get("/api/reporting/top-models", params={"start": int(t), "end": int(t) + 50})).json()
    # m1 and m2 both cost 2.0: m2 has more requests.
    assert [(p["model"], p["costInUsd"], p["requests"]) for p in models["dataPoints"]] == [
        ("m2", pytest.approx(2.0), 3), ("m1", pytest.approx(2.0), 1), ("m3", pytest.approx(1.0), 1)]


# --- SQLite ----------------------------------------------------------------------------------------


async def test_round_trip_on_sqlite(sqlite_url: str) -> None:
    admin = await _admin(sqlite_url)
    try:
        created = (await admin.http.put("/api/key-management/keys", json={"name": "lite", "tags": ["a", "b"]})).json()
        with admin.db() as db:
            stored = db.exec(select(Key.key_hash).where(Key.key_id == created["keyId"])).one()
        assert stored == hashlib.sha256(created["key"].encode()).hexdigest()
        listed = await admin.http.get("/api/key-management/keys", params={"tags": "a,b"})
        assert [k["keyId"] for k in listed.json()] == [created["keyId"]]

        route = await admin.http.post("/api/routes", json={"path": "lite", "steps": [{"provider": "p", "model": "m"}]})
        assert route.status_code == 200
        _error(await admin.http.post("/api/routes", json={"path": "/lite", "steps": [{"provider": "p", "model": "m"}]}), 409)

        admin.add_events(_event(created["keyId"], 100.0, cost_in_usd=0.25, latency_in_ms=10, tags=["a"]),
                         _event(created["keyId"], 130.0, cost_in_usd=0.5, latency_in_ms=30, tags=["b"]))
        usage = (await admin.http.get(f"/api/reporting/keys/{created['keyId']}")).json()
        assert (usage["costInUsd"], usage["requests"]) == (pytest.approx(0.75), 2)
        report = (await admin.http.post("/api/reporting/events", json={
            "keyIds": [created["keyId"]], "start": 100, "end": 160, "increment": 60})).json()
        assert report["dataPoints"][0]["latencyInMsMedian"] == pytest.approx(20.0, rel=0.01)
        tagged = await admin.http.post("/api/v2/events", json={"tags": ["b"]})
        assert tagged.json()["total"] == 1
    finally:
        await admin.http.aclose()
        admin.ctx.engine.dispose()


async def test_openapi_docs_work_offline(admin: Admin) -> None:
    page = await admin.http.get("/docs")
    assert page.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = await admin.http.get("/docs-static/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    spec = (await admin.http.get("/openapi.json")).json()
    assert "/api/key-management/keys" in spec["paths"]
