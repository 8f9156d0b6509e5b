"""The one settings object, read from the environment and `.env`, grouped by the service that uses it.

Variable names stay flat (the seed's `.env` names); each group is its own pydantic-settings class so a
reader finds a knob under the service it belongs to: `settings.gateway.admin_pass`, `settings.chat.gateway_url`.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class _Group(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class StackSettings(_Group):
    """The compose stack and llama-server: images, host ports, the model and how it runs."""

    postgresql_username: str = "postgres"
    postgresql_password: str = "postgres"
    postgresql_db: str = "bricksllm"
    postgresql_host_port: int = Field(5433, ge=1, le=65535)
    redis_password: str = ""
    redis_host_port: int = Field(6380, ge=1, le=65535)
    llama_image: str = "ghcr.io/ggml-org/llama.cpp:server-cuda"
    llama_host_port: int = Field(5002, ge=1, le=65535)
    hf_repo: str = "VRDate/DictaLM-3.0-24B-Thinking-FP8-Q4_0-GGUF"
    hf_file: str = "dictalm-3.0-24b-thinking-fp8-q4_0.gguf"
    hf_file_sha256: str = "41353ca50fb02be915a7924c0e98061b8657f685c6fcb9a25c522a682cb77732"
    local_model_path: str = "./models"
    context_size: int = Field(8192, ge=256)
    n_gpu_layers: int = Field(99, ge=0)
    llama_parallel: int = Field(2, ge=1, le=64)
    system_prompt: str = "You are DictaLM, a helpful assistant that answers in the language of the question."
    chat_template: str = "model"  # model | bundled | a path (common/chat_template.py)
    reasoning_budget: int = Field(-1, ge=-1)  # thinking tokens per answer, server-wide; -1 = unlimited


class StorageSettings(_Group):
    """Where state lives: the database (SQLite by default) and Redis (empty = in-process store)."""

    database_url: str = f"sqlite:///{ROOT / 'data' / 'dictachat.db'}"
    redis_url: str = ""
    redis_prefix: str = "dictachat:"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class GatewaySettings(_Group):
    """The gateway process: its ports, admin password, upstream and proxy behaviour."""

    bricksllm_mode: str = "production"
    bricksllm_admin_port: int = Field(8001, ge=1, le=65535)
    bricksllm_proxy_port: int = Field(8002, ge=1, le=65535)
    gateway_host: str = "127.0.0.1"
    admin_pass: str = ""
    # llama-server's own key (llama-server reads LLAMA_API_KEY itself); the gateway alone sends it.
    llama_api_key: str = ""
    llama_url: str = "http://127.0.0.1:5002"
    request_timeout_s: float = Field(600.0, gt=0)
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)
    admin_max_body_bytes: int = Field(1024 * 1024, gt=0)
    local_prompt_cost_per_1k: float = Field(0.0, ge=0)
    local_completion_cost_per_1k: float = Field(0.0, ge=0)
    cache_ttl_s: int = Field(3600, ge=1)
    key_cache_ttl_s: float = Field(5.0, ge=0)
    upstream_retries: int = Field(2, ge=0)
    cooldown_s: float = Field(30.0, ge=0)
    event_batch_size: int = Field(200, ge=1)
    # The durability window: every event is in the fsynced local log within this time of its request ending.
    event_flush_interval_s: float = Field(0.1, gt=0, le=0.2)
    event_memory_limit: int = Field(10_000, ge=1)
    spool_dir: str = str(ROOT / "data" / "spool")
    events_retention_days: float = Field(90, ge=0)  # raw event rows; 0 keeps them forever (rollups stay anyway)
    event_bodies_retention_days: float = Field(7, ge=0)  # logged request/response bodies; 0 keeps them
    retention_interval_s: float = Field(3600, gt=0)
    gateway_workers: int = Field(1, ge=1, le=64)  # proxy processes sharing the proxy port
    # Fair share of the model's slots (gateway/scheduler.py): off = every request goes straight upstream.
    scheduler_enabled: bool = True
    queue_max_wait_s: float = Field(60.0, gt=0)
    slot_refresh_s: float = Field(30.0, gt=0)
    # A token limit reserves prompt estimate + max_tokens; this is max_tokens when absent, and its cap.
    token_reserve_max_tokens: int = Field(4096, ge=1)
    # Self sign-up on the chat's sign-in page, off by default: the gateway's accounts API decides and
    # the chat asks it. With a domain (example.com), only e-mail addresses @that domain may sign up.
    auth_signup: bool = False
    auth_signup_domain: str = ""

    @field_validator("auth_signup_domain")
    @classmethod
    def _signup_domain(cls, value: str) -> str:
        domain = value.strip().lstrip("@").lower()
        if domain and ("." not in domain or any(c.isspace() or c == "@" for c in domain)):
            raise ValueError("a domain such as example.com, or empty for any address")
        return domain

    @field_validator("bricksllm_mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value not in ("production", "development"):
            raise ValueError("must be 'production' or 'development'")
        return value


class DictaChatSettings(_Group):
    """DictaChat: its port, where it finds the gateway, and the key it calls the proxy with."""

    dictachat_port: int = Field(8003, ge=1, le=65535)
    gateway_url: str = "http://127.0.0.1:8002"
    gateway_admin_url: str = "http://127.0.0.1:8001"
    # Generated into .env by start.sh; no published default, so an unset key opens nothing.
    frontend_api_key: str = ""
    chat_template_file: str = ""  # the template llama-server runs; tells whether answers start inside <think>
    # Sampling defaults for a conversation that sets none of its own (DictaLM's recommended values).
    chat_temperature: float = Field(0.6, ge=0, le=2)
    chat_top_p: float = Field(0.95, gt=0, le=1)
    chat_repeat_penalty: float = Field(1.05, ge=1, le=2)
    chat_max_tokens: int = Field(4096, ge=1)
    chat_short_thinking_tokens: int = Field(512, ge=1)  # "Thinking: short" budget
    # Single sign-on behind oauth2-proxy / Authelia: the header naming the signed-in person (e.g.
    # X-Forwarded-Email), believed only from the listed proxy addresses; empty = off.
    auth_trusted_header: str = ""
    auth_trusted_proxies: str = "127.0.0.1,::1"


_GROUPS: dict[str, type[_Group]] = {
    "stack": StackSettings, "storage": StorageSettings, "gateway": GatewaySettings, "chat": DictaChatSettings,
}


class SettingsError(Exception):
    """Every bad variable at once, as (VARIABLE, message, given value) triples."""

    def __init__(self, problems: list[tuple[str, str, Any]]) -> None:
        super().__init__("; ".join(f"{name}: {msg}" for name, msg, _ in problems))
        self.problems = problems


class Settings(BaseModel):
    """Every knob of the stack, one group per service."""

    stack: StackSettings
    storage: StorageSettings
    gateway: GatewaySettings
    chat: DictaChatSettings

    @classmethod
    def load(cls, env_file: Path | str | None = ".env", **overrides: Any) -> Settings:
        """Read each group from the environment and `env_file`; `overrides` go to the group owning each name."""
        unknown = set(overrides) - cls.field_names()
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        groups: dict[str, _Group] = {}
        problems: list[tuple[str, str, Any]] = []
        for attr, group in _GROUPS.items():
            mine = {k: v for k, v in overrides.items() if k in group.model_fields}
            try:
                groups[attr] = group(_env_file=env_file, **mine)
            except ValidationError as exc:
                problems += [(str(e["loc"][0]).upper() if e["loc"] else attr, e["msg"], e.get("input"))
                             for e in exc.errors()]
        if problems:
            raise SettingsError(problems)
        return cls.model_validate(groups)

    @staticmethod
    def field_names() -> set[str]:
        """Every variable name any group reads (lower case)."""
        return {name for group in _GROUPS.values() for name in group.model_fields}

    def value(self, name: str) -> Any:
        """The value of one variable by its `.env` name (any case), whichever group holds it."""
        key = name.lower()
        for attr, group in _GROUPS.items():
            if key in group.model_fields:
                return getattr(getattr(self, attr), key)
        raise KeyError(name)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once per process; exit with one clear line per bad variable."""
    try:
        return Settings.load()
    except SettingsError as exc:
        for name, msg, _ in exc.problems:
            print(f"configuration error: {name}: {msg}", file=sys.stderr)
        raise SystemExit(2) from None
