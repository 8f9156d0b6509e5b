"""GET /api/system and POST /api/system/test-connection over HTTP, on a SQLite database."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, SQLModel, create_engine

from common.settings import Settings
from gateway import system
from gateway.admin import system as system_api
from gateway.admin.handlers import install_error_handlers
from gateway.cli import resources
from gateway.context import Context
from gateway.models import ProviderSetting
from gateway.store import LocalStore
from tests.unit.test_resources import fake_nvml

seen: list[tuple[str, str | None]] = []


def upstream(request: httpx.Request) -> httpx.Response:
    seen.append((str(request.url), request.headers.get("authorization")))
    if request.url.host == "dead":
        raise httpx.ConnectError("Connection refused", request=request)
    return httpx.Response(200, json={"status": "ok"}) if request.url.path == "/health" else httpx.Response(404)


@pytest.fixture
def api(tmp_path, monkeypatch: pytest.MonkeyPatch) -> httpx.AsyncClient:
    settings = Settings.load(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", llama_url="http://llama:5002", redis_url="")
    engine = create_engine(settings.storage.database_url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as db:
        db.add(ProviderSetting(id="s1", provider="cloud", setting={"url": "http://cloud:9000,http://cloud2:9000",
                                                                   "apikey": "sk-stored-secret"}))
        db.commit()
    app = FastAPI()
    install_error_handlers(app)
    app.state.ctx = Context(settings=settings, store=LocalStore(), engine=engine)
    app.include_router(system_api.router)
    monkeypatch.setattr(system, "probe_client", lambda: httpx.AsyncClient(transport=httpx.MockTransport(upstream)))
    monkeypatch.setattr(system, "read_gpus", lambda: resources.read_gpus(fake_nvml([], init_error="no driver")))
    seen.clear()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://admin")


async def test_a_stored_setting_is_tested_with_its_own_url_and_key(api: httpx.AsyncClient) -> None:
    body = (await api.post("/api/system/test-connection", json={"settingId": "s1"})).json()
    assert body["ok"] is True and body["url"] == "http://cloud:9000/health" and body["latencyMs"] >= 0
    assert seen == [("http://cloud:9000/health", "Bearer sk-stored-secret")]


async def test_an_unknown_setting_is_a_404(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/system/test-connection", json={"settingId": "nope"})).status_code == 404


async def test_a_dead_url_is_reported_not_raised(api: httpx.AsyncClient) -> None:
    resp = await api.post("/api/system/test-connection", json={"url": "http://dead:1"})
    assert resp.status_code == 200 and resp.json()["ok"] is False and "Cannot connect" in resp.json()["message"]


async def test_system_status_has_every_panel(api: httpx.AsyncClient) -> None:
    body = (await api.get("/api/system")).json()
    assert set(body) == {"gpus", "gpuMessage", "llama", "gateway", "database", "redis"}
    assert body["gpus"] == [] and body["gpuMessage"].startswith(resources.NO_GPU)
    assert body["llama"]["healthy"] is True and body["database"]["ok"] is True and body["redis"] is None
