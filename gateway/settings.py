"""The one settings object, read from the environment and `.env`."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the stack; names follow the seed's `.env`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Seed variables (compose stack).
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
    bricksllm_mode: str = "production"
    bricksllm_admin_port: int = Field(8001, ge=1, le=65535)
    bricksllm_proxy_port: int = Field(8002, ge=1, le=65535)

    # Added by this project.
    database_url: str = f"sqlite:///{ROOT / 'data' / 'dictachat.db'}"
    redis_url: str = ""
    redis_prefix: str = "dictachat:"
    llama_url: str = "http://127.0.0.1:5002"
    admin_pass: str = ""
    frontend_api_key: str = "sk-bricksllm-frontend-llama-key-explicit"
    gateway_url: str = "http://127.0.0.1:8002"
    gateway_admin_url: str = "http://127.0.0.1:8001"
    dictachat_port: int = Field(8003, ge=1, le=65535)
    gateway_host: str = "127.0.0.1"

    # Gateway behaviour.
    request_timeout_s: float = Field(600.0, gt=0)
    max_body_bytes: int = Field(4 * 1024 * 1024, gt=0)
    local_prompt_cost_per_1k: float = Field(0.0, ge=0)
    local_completion_cost_per_1k: float = Field(0.0, ge=0)
    cache_ttl_s: int = Field(3600, ge=1)
    key_cache_ttl_s: float = Field(5.0, ge=0)
    upstream_retries: int = Field(2, ge=0)
    cooldown_s: float = Field(30.0, ge=0)
    event_batch_size: int = Field(200, ge=1)
    event_flush_interval_s: float = Field(0.5, gt=0)
    event_memory_limit: int = Field(10_000, ge=1)
    spool_dir: str = str(ROOT / "data" / "spool")

    @field_validator("bricksllm_mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value not in ("production", "development"):
            raise ValueError("must be 'production' or 'development'")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once per process; exit with one clear line per bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            print(f"configuration error: {name}: {err['msg']}", file=sys.stderr)
        raise SystemExit(2) from None
