"""The dashboard's admin API client: password header, readable errors, answer shapes."""

from __future__ import annotations

import json

import httpx
import pytest

from dictachat.admin.client import AdminClient, AdminError

PASSWORD = "s3cret-admin"


def client_for(handler) -> AdminClient:  # type: ignore[no-untyped-def]
    return AdminClient("http://admin:8001/", PASSWORD, http=httpx.AsyncClient(transport=httpx.MockTransport(handler)))


def gateway(request: httpx.Request) -> httpx.Response:
    """A tiny admin API: 401 without the password, a few canned answers."""
    if request.headers.get("x-api-key") != PASSWORD:
        return httpx.Response(401, json={"error": {"message": "wrong admin password", "type": "authentication_error"}})
    if request.url.path == "/api/key-management/keys" and request.method == "GET":
        return httpx.Response(200, json=[{"keyId": "k1", "name": "web", "revoked": request.url.params.get("revoked") == "true"}])
    if request.url.path == "/api/v2/events":
        body = json.loads(request.content)
        return httpx.Response(200, json={"events": [{"id": "e1", "model": body.get("model")}], "total": 41})
    if request.url.path == "/api/reporting/top-keys":
        return httpx.Response(200, json={"dataPoints": [{"keyId": "k1", "name": "web", "costInUsd": 0.5, "requests": 3}]})
    if request.url.path == "/api/routes" and request.method == "POST":
        return httpx.Response(409, json={"error": {"message": "route path 'chat' is taken", "type": "conflict_error"}})
    return httpx.Response(404, json={"detail": "Not Found"})


async def test_verify_accepts_the_right_password_and_refuses_a_wrong_one() -> None:
    assert await client_for(gateway).verify() is True
    wrong = AdminClient("http://admin:8001", "guess", http=httpx.AsyncClient(transport=httpx.MockTransport(gateway)))
    assert await wrong.verify() is False


async def test_every_call_carries_the_password_header() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-api-key"))
        return gateway(request)

    api = client_for(handler)
    await api.list_keys(revoked=True)
    await api.events({"model": "m"})
    assert seen == [PASSWORD, PASSWORD]


async def test_filters_and_answer_shapes() -> None:
    api = client_for(gateway)
    (key,) = await api.list_keys(revoked=True, name="")
    assert key["revoked"] is True
    page = await api.events({"model": "scripted-model"})
    assert page == {"events": [{"id": "e1", "model": "scripted-model"}], "total": 41, "nextCursor": None}
    assert (await api.top_keys())[0]["costInUsd"] == 0.5


async def test_errors_carry_the_gateway_message() -> None:
    with pytest.raises(AdminError) as info:
        await client_for(gateway).create_item("route", {"path": "chat", "steps": []})
    assert (info.value.status, info.value.message) == (409, "route path 'chat' is taken")


async def test_refused_session_password_is_a_401() -> None:
    api = AdminClient("http://admin:8001", "old", http=httpx.AsyncClient(transport=httpx.MockTransport(gateway)))
    with pytest.raises(AdminError) as info:
        await api.list_keys()
    assert info.value.status == 401


async def test_unreachable_gateway_is_a_readable_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with pytest.raises(AdminError) as info:
        await client_for(refuse).verify()
    assert info.value.status == 503 and "http://admin:8001" in info.value.message and "not reachable" in info.value.message
