"""The System page's data: GPUs through a fake NVML, llama-server probes, upstream connection tests."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import create_engine

from common.settings import Settings
from gateway import system
from gateway.cli import resources
from gateway.context import Context
from gateway.store import LocalStore
from tests.unit.test_resources import RTX, fake_nvml

METRICS = """# HELP llamacpp:prompt_tokens_seconds Average prompt throughput in tokens/s.
# TYPE llamacpp:prompt_tokens_seconds gauge
llamacpp:prompt_tokens_seconds 412.5
# HELP llamacpp:predicted_tokens_seconds Average generation throughput in tokens/s.
# TYPE llamacpp:predicted_tokens_seconds gauge
llamacpp:predicted_tokens_seconds 87.25
"""


def llama_app(health: int = 200, props: bool = True) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/health":
            return httpx.Response(health, json={"status": "ok" if health == 200 else "loading model"})
        if path == "/props" and props:
            return httpx.Response(200, json={"model_alias": "dictalm-3.0", "total_slots": 2,
                                             "default_generation_settings": {"n_ctx": 8192}})
        if path == "/metrics":
            return httpx.Response(200, text=METRICS)
        if path == "/v1/models":
            return httpx.Response(200, json={"data": [{"id": "scripted-model"}]})
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def refusing() -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    return httpx.MockTransport(handle)


async def test_llama_probe_reads_model_context_and_throughput() -> None:
    async with httpx.AsyncClient(transport=llama_app()) as http:
        info = await system.probe_llama(http, "http://llama:5002/")
    assert (info.healthy, info.status, info.model, info.contextSize, info.slots) == (True, "ok", "dictalm-3.0", 8192, 2)
    assert (info.tokensPerSecond, info.promptTokensPerSecond) == (87.25, 412.5)


async def test_llama_still_loading_is_reported_as_loading() -> None:
    async with httpx.AsyncClient(transport=llama_app(health=503)) as http:
        info = await system.probe_llama(http, "http://llama:5002")
    assert (info.healthy, info.status) == (False, "loading")


async def test_upstream_without_props_is_named_by_its_model_list() -> None:
    async with httpx.AsyncClient(transport=llama_app(props=False)) as http:
        info = await system.probe_llama(http, "http://llama:5002")
    assert info.model == "scripted-model" and info.contextSize is None


async def test_unreachable_llama_is_a_status_not_an_error() -> None:
    async with httpx.AsyncClient(transport=refusing()) as http:
        info = await system.probe_llama(http, "http://llama:5002")
    assert (info.healthy, info.status) == (False, "unreachable")


def test_throughput_falls_back_to_counters() -> None:
    text = "llamacpp:tokens_predicted_total 300\nllamacpp:tokens_predicted_seconds_total 4\n"
    assert system.tokens_per_second(text) == (75.0, None)


async def test_connection_test_succeeds_with_latency() -> None:
    async with httpx.AsyncClient(transport=llama_app()) as http:
        result = await system.test_connection(http, "http://llama:5002")
    assert result.ok and result.status == 200 and result.url == "http://llama:5002/health" and result.latencyMs >= 0


async def test_connection_test_uses_the_model_list_without_health() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers.get("authorization") == "Bearer sk-upstream"
        return httpx.Response(200, json={"data": []}) if request.url.path == "/v1/models" else httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        result = await system.test_connection(http, "https://api.example/v1", "sk-upstream")
    assert result.ok and result.url == "https://api.example/v1/models"


async def test_connection_test_fails_plainly_for_a_dead_url() -> None:
    async with httpx.AsyncClient(transport=refusing()) as http:
        result = await system.test_connection(http, "http://127.0.0.1:9")
    assert not result.ok and result.message.startswith("Cannot connect")


async def test_connection_test_rejects_a_non_http_url() -> None:
    async with httpx.AsyncClient(transport=refusing()) as http:
        result = await system.test_connection(http, "ftp://files")
    assert not result.ok and "http://" in result.message


@pytest.fixture
def ctx(tmp_path) -> Context:
    settings = Settings.load(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", llama_url="http://llama:5002", redis_url="")
    return Context(settings=settings, store=LocalStore(), engine=create_engine(settings.storage.database_url))


async def test_snapshot_lists_gpus_from_nvml(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "read_gpus", lambda: resources.read_gpus(fake_nvml([RTX])))
    async with httpx.AsyncClient(transport=llama_app()) as http:
        snap = await system.snapshot(ctx, http)
    (gpu,) = snap.gpus
    assert gpu.name == RTX["name"] and gpu.memoryTotalBytes == RTX["total"] and gpu.temperatureC == 61
    assert snap.gpuMessage == "" and snap.llama.model == "dictalm-3.0"
    assert snap.database == system.DatabaseInfo(ok=True, kind="sqlite") and snap.redis is None
    assert snap.gateway.uptimeS >= 0


async def test_snapshot_says_plainly_when_there_is_no_gpu(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "read_gpus", lambda: resources.read_gpus(fake_nvml([], init_error="Driver Not Loaded")))
    async with httpx.AsyncClient(transport=refusing()) as http:
        snap = await system.snapshot(ctx, http)
    assert snap.gpus == [] and snap.gpuMessage.startswith(resources.NO_GPU)
    assert snap.llama.status == "unreachable"
