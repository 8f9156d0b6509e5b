"""The docker-compose stack, checked by reading it (no Docker engine needed): health, ports, variables."""

from __future__ import annotations

import re

import pytest
import yaml
from dotenv import dotenv_values

from common.settings import ROOT

COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
TEMPLATE = {k: v or "" for k, v in dotenv_values(ROOT / ".env.template").items()}
# `${NAME}` or `${NAME:-default}`; `$$` is compose's escape for a literal `$` and is not a variable.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}")

# DESIGN.md "Ports and processes": the host ports of the GPU stack with the default .env.
DESIGN_HOST_PORTS = {
    "postgresql": {5433},
    "redis": {6380},
    "llama-server": {5002},
    "gateway": {8001, 8002},
    "dictachat": {8003},
}


def interpolate(value: str) -> str:
    return VARIABLE.sub(lambda m: TEMPLATE[m.group(1)], value)


def port_bindings(service: str) -> list[tuple[str, int, int]]:
    """(host address, host port, container port) for each `ports:` entry, with the template's values."""
    bindings = []
    for entry in SERVICES[service].get("ports", []):
        parts = interpolate(str(entry)).split(":")
        address = parts[0] if len(parts) == 3 else "0.0.0.0"
        bindings.append((address, int(parts[-2]), int(parts[-1])))
    return bindings


def port_pairs(service: str) -> list[tuple[int, int]]:
    """(host, container) for each `ports:` entry, with the template's values."""
    return [(host, container) for _, host, container in port_bindings(service)]


@pytest.mark.parametrize("service", ["postgresql", "redis", "llama-server"])
def test_back_end_services_are_published_on_loopback_only(service: str) -> None:
    assert {address for address, _, _ in port_bindings(service)} == {"127.0.0.1"}


def test_gateway_ports_follow_the_configurable_bind_address() -> None:
    assert all(str(entry).startswith("${GATEWAY_HOST}:") for entry in SERVICES["gateway"]["ports"])
    assert {address for address, _, _ in port_bindings("gateway")} == {TEMPLATE["GATEWAY_HOST"]} == {"127.0.0.1"}


def test_llama_server_key_is_given_to_llama_server_and_the_gateway_only() -> None:
    holders = {name for name, service in SERVICES.items() if "LLAMA_API_KEY" in (service.get("environment") or {})}
    assert holders == {"llama-server", "gateway"}
    assert SERVICES["llama-server"]["environment"]["LLAMA_API_KEY"] == "${LLAMA_API_KEY}"


# One-shot jobs that run to completion before a service starts (no port, no healthcheck).
JOBS = {"chat-template"}


def test_the_five_services_of_the_design() -> None:
    assert set(SERVICES) == set(DESIGN_HOST_PORTS) | JOBS


@pytest.mark.parametrize("service", sorted(DESIGN_HOST_PORTS))
def test_every_service_has_a_healthcheck(service: str) -> None:
    check = SERVICES[service].get("healthcheck") or {}
    assert check.get("test"), f"{service} has no healthcheck"
    assert check["test"][0] in ("CMD", "CMD-SHELL")


@pytest.mark.parametrize("service", sorted(DESIGN_HOST_PORTS))
def test_host_ports_match_the_design(service: str) -> None:
    assert {host for host, _ in port_pairs(service)} == DESIGN_HOST_PORTS[service]


def test_every_variable_used_is_in_env_template() -> None:
    used = set(VARIABLE.findall(COMPOSE_TEXT))
    assert used, "the compose file should take its values from .env"
    assert used - set(TEMPLATE) == set()


def test_dependencies_wait_for_health() -> None:
    for name, service in SERVICES.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES
            wanted = "service_completed_successfully" if dependency in JOBS else "service_healthy"
            assert spec == {"condition": wanted}, f"{name} -> {dependency}"
    assert set(SERVICES["gateway"]["depends_on"]) == {"postgresql", "redis"}
    assert set(SERVICES["dictachat"]["depends_on"]) == {"postgresql", "gateway"}


def test_services_listen_where_their_ports_and_peers_point() -> None:
    llama_env = SERVICES["llama-server"]["environment"]
    assert port_pairs("llama-server") == [(5002, int(llama_env["LLAMA_PORT"]))]
    gateway_env = SERVICES["gateway"]["environment"]
    assert sorted(c for _, c in port_pairs("gateway")) == sorted(
        [int(gateway_env["BRICKSLLM_ADMIN_PORT"]), int(gateway_env["BRICKSLLM_PROXY_PORT"])])
    assert gateway_env["LLAMA_URL"] == f"http://llama-server:{llama_env['LLAMA_PORT']}"
    chat_env = SERVICES["dictachat"]["environment"]
    assert chat_env["GATEWAY_URL"] == f"http://gateway:{gateway_env['BRICKSLLM_PROXY_PORT']}"
    assert chat_env["GATEWAY_ADMIN_URL"] == f"http://gateway:{gateway_env['BRICKSLLM_ADMIN_PORT']}"
    # The browser reaches Reflex's backend at the port it was built for, so host and container agree.
    assert port_pairs("dictachat") == [(8003, 8003)]
    assert interpolate(" ".join(SERVICES["dictachat"]["command"])).endswith("--frontend-port 8003 --backend-port 8003")


def test_llama_server_gets_the_gpu_and_a_read_only_model() -> None:
    llama = SERVICES["llama-server"]
    assert llama["image"] == "${LLAMA_IMAGE}"
    devices = llama["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert "${LOCAL_MODEL_PATH}:/models:ro" in llama["volumes"]
    assert llama["environment"]["LOCAL_MODEL_PATH"] == "/models"
    assert "/health" in " ".join(llama["healthcheck"]["test"])
    start_period = llama["healthcheck"]["start_period"]
    assert int(start_period.rstrip("s")) >= 600, "a 24B model needs minutes to load"


def test_gateway_and_dictachat_share_one_image_built_here() -> None:
    assert SERVICES["gateway"]["build"] == SERVICES["dictachat"]["build"] == "."
    assert SERVICES["gateway"]["image"] == SERVICES["dictachat"]["image"]


def test_dockerfile_is_multi_stage_non_root_and_builds_the_frontend() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert len(froms) >= 3
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("RUN reflex export --frontend-only") for line in lines)


def test_dockerignore_keeps_secrets_and_models_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", "models", "*.gguf", ".venv"} <= ignored


def test_passwords_reach_the_services_that_need_them() -> None:
    assert SERVICES["postgresql"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRESQL_PASSWORD}"
    assert "${REDIS_PASSWORD}" in SERVICES["redis"]["command"]
    database_url = "postgresql://${POSTGRESQL_USERNAME}:${POSTGRESQL_PASSWORD}@postgresql:5432/${POSTGRESQL_DB}"
    assert SERVICES["gateway"]["environment"]["DATABASE_URL"] == database_url
    assert SERVICES["dictachat"]["environment"]["DATABASE_URL"] == database_url
    assert SERVICES["gateway"]["environment"]["REDIS_URL"] == "redis://:${REDIS_PASSWORD}@redis:6379/0"


def test_entrypoint_and_template_are_mounted_where_the_entrypoint_looks() -> None:
    volumes = SERVICES["llama-server"]["volumes"]
    assert "./llama_entrypoint.sh:/llama_entrypoint.sh:ro" in volumes
    # The chat-template job writes the template into a volume llama-server and dictachat read.
    job = SERVICES["chat-template"]
    assert "chat-template:/app/templates" in job["volumes"] and "gateway.cli.chat_template" in job["command"]
    assert "chat-template:/templates:ro" in volumes
    assert SERVICES["llama-server"]["environment"]["CHAT_TEMPLATE_FILE"] == "/templates/chat_template.jinja2"
    assert SERVICES["llama-server"]["depends_on"] == {"chat-template": {"condition": "service_completed_successfully"}}
    assert SERVICES["dictachat"]["environment"]["CHAT_TEMPLATE_FILE"] == "/app/templates/chat_template.jinja2"
    assert SERVICES["llama-server"]["entrypoint"] == ["/bin/bash", "/llama_entrypoint.sh"]
