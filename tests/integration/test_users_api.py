"""/api/users on real PostgreSQL, in-process over ASGI: accounts managed through the admin API."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from dictachat.chat.models import Conversation
from gateway.accounts import sessions
from gateway.accounts.users import authenticate
from gateway.models import Event, User
from tests.integration import test_admin_api as admin_api
from tests.integration.test_admin_api import Admin, _error, _uid

pytestmark = pytest.mark.asyncio


admin = admin_api.admin  # the admin API in-process on PostgreSQL


async def _create(admin: Admin, **body: object) -> httpx.Response:
    return await admin.http.put("/api/users", json={"name": f"u{_uid()}", **body})


async def test_create_shows_a_generated_password_once_and_stores_only_its_hash(admin: Admin) -> None:
    res = await _create(admin, role="admin", email="Dana@Example.org")
    assert res.status_code == 200, res.text
    user = res.json()
    assert set(user) >= {"id", "name", "email", "role", "disabled", "createdAt", "updatedAt", "lastSeenAt"}
    assert user["role"] == "admin" and len(user["password"]) >= 16
    with admin.db() as db:
        row = db.get(User, user["id"])
        assert row is not None and row.password_hash.startswith("$argon2id$") and user["password"] not in row.password_hash
        assert authenticate(db, user["name"], user["password"]) is not None
    listed = (await admin.http.get("/api/users", params={"userIds": user["id"]})).json()
    assert listed[0]["password"] is None and "passwordHash" not in listed[0]


async def test_bad_and_duplicate_users_are_refused_with_the_field_named(admin: Admin) -> None:
    name = f"dup{_uid()}"
    assert (await _create(admin, name=name, password="long enough")).status_code == 200
    assert "taken" in _error(await _create(admin, name=name.upper(), password="long enough"), 409)
    assert "name" in _error(await _create(admin, name=""), 400)
    assert "name" in _error(await _create(admin, name="has space"), 400)
    assert "name" in _error(await _create(admin, name="x" * 65), 400)
    assert "password" in _error(await _create(admin, password="short"), 400)
    assert "role" in _error(await _create(admin, role="root"), 400)


async def test_list_filters_and_counts(admin: Admin) -> None:
    tag = _uid()
    for role in ("admin", "user", "user"):
        await _create(admin, name=f"{role}-{tag}-{_uid()[:4]}", role=role)
    res = await admin.http.get("/api/users", params={"name": tag, "role": "user"})
    assert res.headers["X-Total-Count"] == "2" and {u["role"] for u in res.json()} == {"user"}
    page = await admin.http.get("/api/users", params={"name": tag, "limit": 1, "offset": 1})
    assert len(page.json()) == 1 and page.headers["X-Total-Count"] == "3"


async def test_disable_and_reset_end_sessions_delete_removes_conversations(admin: Admin) -> None:
    user = (await _create(admin, password="first password")).json()
    with admin.db() as db:
        token = sessions.start(db, user["id"])
        db.add(Conversation(user_id=user["id"], title="mine"))
        db.commit()

    disabled = await admin.http.patch(f"/api/users/{user['id']}", json={"disabled": True})
    assert disabled.json()["disabled"] is True
    with admin.db() as db:
        assert sessions.resolve(db, token) is None
        token = sessions.start(db, user["id"])
    await admin.http.patch(f"/api/users/{user['id']}", json={"disabled": False})

    reset = (await admin.http.patch(f"/api/users/{user['id']}", json={"resetPassword": True, "role": "admin"})).json()
    assert reset["role"] == "admin" and reset["password"]
    with admin.db() as db:
        assert sessions.resolve(db, token) is None
        assert authenticate(db, user["name"], "first password") is None
        assert authenticate(db, user["name"], reset["password"]) is not None

    assert (await admin.http.delete(f"/api/users/{user['id']}")).json() == {"id": user["id"], "deleted": True}
    with admin.db() as db:
        assert db.exec(select(Conversation).where(Conversation.user_id == user["id"])).all() == []
    assert "does not exist" in _error(await admin.http.patch(f"/api/users/{user['id']}", json={"role": "user"}), 404)
    assert "does not exist" in _error(await admin.http.delete(f"/api/users/{user['id']}"), 404)


async def test_users_need_the_admin_password(admin: Admin) -> None:
    _error(await admin.http.get("/api/users", headers={"X-API-KEY": "nope"}), 401)


async def test_the_list_shows_each_users_requests_tokens_and_spend(admin: Admin) -> None:
    user = (await _create(admin, rateLimitOverTime=5, rateLimitUnit="m", costLimitInUsd=2)).json()
    assert (user["rateLimitOverTime"], user["rateLimitUnit"], user["costLimitInUsd"]) == (5, "m", 2.0)
    admin.add_events(*(Event(user_id=user["id"], prompt_token_count=3, completion_token_count=4, cost_in_usd=0.25)
                       for _ in range(2)), Event(user_id="someone-else", cost_in_usd=9.0))
    listed = (await admin.http.get("/api/users", params={"userIds": user["id"]})).json()[0]
    assert (listed["requests"], listed["promptTokenCount"], listed["completionTokenCount"], listed["costInUsd"]) == (
        2, 6, 8, 0.5)
    assert "rateLimitUnit" in _error(await admin.http.patch(f"/api/users/{user['id']}", json={"rateLimitUnit": "week"}), 400)
    assert "costLimitInUsd" in _error(await admin.http.patch(f"/api/users/{user['id']}", json={"costLimitInUsd": -1}), 400)
    unchanged = (await admin.http.get("/api/users", params={"userIds": user["id"]})).json()[0]
    assert (unchanged["rateLimitUnit"], unchanged["costLimitInUsd"]) == ("m", 2.0)


async def test_events_filtered_by_user_are_only_that_users(admin: Admin) -> None:
    dana, eli = (await _create(admin)).json()["id"], (await _create(admin)).json()["id"]
    key = f"k{_uid()}"
    admin.add_events(*(Event(key_id=key, user_id=dana, model="m-dana") for _ in range(3)),
                     *(Event(key_id=key, user_id=eli, model="m-eli") for _ in range(2)),
                     Event(key_id=key, model="no-user"))
    body = (await admin.http.post("/api/v2/events", json={"keyIds": [key], "userIds": [dana]})).json()
    assert body["total"] == 3 and {e["user_id"] for e in body["events"]} == {dana}
    both = (await admin.http.post("/api/v2/events", json={"keyIds": [key], "userIds": [dana, eli]})).json()
    assert both["total"] == 5 and {e["model"] for e in both["events"]} == {"m-dana", "m-eli"}
    listed = await admin.http.get("/api/events", params={"keyIds": key, "userIds": f"{eli},nobody"})
    assert listed.headers["X-Total-Count"] == "2" and {e["user_id"] for e in listed.json()} == {eli}
    csv_rows = (await admin.http.get("/api/events/export", params={"userIds": dana, "keyIds": key})).text.splitlines()
    assert len(csv_rows) == 4 and all(dana in row for row in csv_rows[1:])
    everyone = (await admin.http.post("/api/v2/events", json={"keyIds": [key]})).json()
    assert everyone["total"] == 6  # no userIds: every event, with or without a user


async def test_token_and_concurrency_limits_round_trip_and_are_checked(admin: Admin) -> None:
    user = (await _create(admin, maxConcurrentRequests=2, tokenLimitOverTime=5000, tokenLimitUnit="h")).json()
    assert (user["maxConcurrentRequests"], user["tokenLimitOverTime"], user["tokenLimitUnit"]) == (2, 5000, "h")
    assert "tokenLimitUnit" in _error(await admin.http.patch(f"/api/users/{user['id']}", json={"tokenLimitUnit": "mo"}), 400)
    assert "tokenLimitUnit" in _error(await _create(admin, tokenLimitOverTime=10), 400)  # a limit needs its unit
    _error(await admin.http.patch(f"/api/users/{user['id']}", json={"maxConcurrentRequests": -1}), 400)
    changed = (await admin.http.patch(f"/api/users/{user['id']}", json={"maxConcurrentRequests": 0})).json()
    assert (changed["maxConcurrentRequests"], changed["tokenLimitOverTime"]) == (0, 5000)


async def test_top_users_and_a_users_series(admin: Admin) -> None:
    big, small = (await _create(admin)).json(), (await _create(admin)).json()
    at = 1_750_000_000.0
    admin.add_events(*(Event(user_id=big["id"], created_at=at + i, prompt_token_count=10, cost_in_usd=0.5) for i in range(3)),
                     Event(user_id=small["id"], created_at=at + 60, completion_token_count=7, cost_in_usd=0.1))
    window = {"start": int(at) - 3600, "end": int(at) + 3600}
    top = (await admin.http.post("/api/reporting/top-users", json={**window, "limit": 5})).json()["dataPoints"]
    mine = [row for row in top if row["userId"] in (big["id"], small["id"])]
    assert [(r["name"], r["requests"], r["promptTokenCount"], r["costInUsd"], r["lastSeen"]) for r in mine] == [
        (big["name"], 3, 30, 1.5, at + 2), (small["name"], 1, 0, 0.1, at + 60)]
    series = (await admin.http.post("/api/reporting/events", json={**window, "increment": 7200,
                                                                   "userIds": [small["id"]]})).json()
    assert [(p["numberOfRequests"], p["completionTokenCount"]) for p in series["dataPoints"]] == [(1, 7)]
