"""SQLModel tables of the gateway: its configuration, its events and its users (the chat's tables are dictachat/chat/models.py)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from common.columns import json_field, new_id


def now_s() -> int:
    return int(time.time())


class Key(SQLModel, table=True):
    """An API key; only the SHA-256 of the raw key is kept."""

    __tablename__ = "keys"

    key_id: str = Field(default_factory=new_id, primary_key=True)
    name: str = ""
    key_hash: str = Field(index=True, unique=True)
    key_hint: str = ""
    tags: list[str] = json_field()
    created_at: int = Field(default_factory=now_s, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_s, sa_type=BigInteger)
    revoked: bool = False
    revoked_reason: str = ""
    cost_limit_in_usd: float = 0.0
    cost_limit_in_usd_over_time: float = 0.0
    cost_limit_in_usd_unit: str = ""
    rate_limit_over_time: int = 0
    rate_limit_unit: str = ""
    ttl: str = ""
    expires_at: int | None = Field(default=None, sa_type=BigInteger)
    setting_ids: list[str] = json_field()
    allowed_paths: list[dict[str, str]] = json_field()
    allowed_models: list[str] = json_field()
    should_log_request: bool = False
    should_log_response: bool = False
    cache_enabled: bool = False
    cache_ttl_s: int = 0
    # A share of the GPU (migration 0004_gpu_share): 0 means "no limit" / "the gateway default".
    max_concurrent_requests: int = 0
    token_limit_over_time: int = 0
    token_limit_unit: str = ""
    max_queue_wait_s: float = 0.0
    priority: int = 1
    reasoning_budget_tokens: int = -1  # thinking tokens per request at most; -1 = no cap, 0 = no thinking
    # Trusted to name the end user in the OpenAI `user` field (the chat's frontend key): only then
    # do that user's own limits apply and the event carry the user id.
    vouches_for_users: bool = False


class ProviderSetting(SQLModel, table=True):
    """Credentials, URL and prices for one provider."""

    __tablename__ = "provider_settings"

    id: str = Field(default_factory=new_id, primary_key=True)
    provider: str = Field(index=True)
    name: str = ""
    setting: dict[str, Any] = json_field({})
    allowed_models: list[str] = json_field()
    cost_map: dict[str, Any] = json_field({})
    created_at: int = Field(default_factory=now_s, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_s, sa_type=BigInteger)


class CustomProvider(SQLModel, table=True):
    """An OpenAI-compatible upstream (e.g. llama-server) with one or more deployment URLs."""

    __tablename__ = "custom_providers"

    id: str = Field(default_factory=new_id, primary_key=True)
    provider: str = Field(index=True, unique=True)
    urls: list[str] = json_field()
    route_configs: list[dict[str, Any]] = json_field()
    authentication_param: str = ""
    max_parallel: int = 0  # slots per deployment; 0 = read llama-server's /props total_slots
    created_at: int = Field(default_factory=now_s, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_s, sa_type=BigInteger)


class Route(SQLModel, table=True):
    """A named path with ordered steps (provider + model), retries, failover and cache."""

    __tablename__ = "routes"

    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = ""
    path: str = Field(index=True, unique=True)
    steps: list[dict[str, Any]] = json_field()
    key_ids: list[str] = json_field()
    cache_config: dict[str, Any] = json_field({})
    retries: int = 0
    created_at: int = Field(default_factory=now_s, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_s, sa_type=BigInteger)


class Event(SQLModel, table=True):
    """One proxied request."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_key_created", "key_id", "created_at"),
        Index("ix_events_created_id", "created_at", "id"),  # time order and keyset pages; retention
        Index("ix_events_model_created", "model", "created_at"),
        Index("ix_events_status_created", "status", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    created_at: float = Field(default_factory=time.time)
    key_id: str = ""
    tags: list[str] = json_field()
    provider: str = ""
    model: str = ""
    path: str = ""
    method: str = "POST"
    route_id: str = ""
    status: int = 0
    stream: bool = False
    prompt_token_count: int = 0
    completion_token_count: int = 0
    cost_in_usd: float = 0.0
    latency_in_ms: float = 0.0
    time_to_first_token_ms: float | None = None
    cache_hit: bool = False
    upstream: str = ""
    queue_wait_ms: float | None = None
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    custom_id: str = ""
    user_id: str = Field(default="", index=True)
    request: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class User(SQLModel, table=True):
    """A person who signs in to the chat (and, as an admin, to the dashboard)."""

    __tablename__ = "users"

    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=64)
    email: str = ""
    password_hash: str = ""
    role: str = "user"
    disabled: bool = False
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)
    last_seen_at: float | None = None
    # Limits of the user's own, applied on top of the key's when a vouching key names the user.
    rate_limit_over_time: int = 0
    rate_limit_unit: str = ""
    cost_limit_in_usd: float = 0.0
    cost_limit_in_usd_over_time: float = 0.0
    cost_limit_in_usd_unit: str = ""
    # Migration 0006_usersgw_limits: the user's share of the GPU, counted like the key's (gateway.quotas).
    max_concurrent_requests: int = 0
    token_limit_over_time: int = 0
    token_limit_unit: str = ""


class UserSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds a random token, this row only its SHA-256."""

    __tablename__ = "user_sessions"

    token_hash: str = Field(primary_key=True)
    user_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: float = Field(default_factory=time.time)
    expires_at: float = 0.0
    client_ip: str = ""


class RollupTotals(SQLModel):
    """Totals of the events of one time bucket for one key, model, tag set and user ("" when no vouching key
    named one); kept after raw events expire."""

    bucket_start: int = Field(primary_key=True, sa_type=BigInteger)
    key_id: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    tags: str = Field(primary_key=True, description="canonical JSON array: sorted, as written by rollups.tags_text")
    user_id: str = Field(default="", primary_key=True)
    requests: int = Field(default=0, sa_type=BigInteger)
    prompt_token_count: int = Field(default=0, sa_type=BigInteger)
    completion_token_count: int = Field(default=0, sa_type=BigInteger)
    cost_in_usd: float = 0.0
    latency_sum_ms: float = 0.0
    error_count: int = Field(default=0, sa_type=BigInteger)
    cancelled_count: int = Field(default=0, sa_type=BigInteger)
    cache_hit_count: int = Field(default=0, sa_type=BigInteger)


class LatencyCounts(SQLModel):
    """How many events of one time bucket fell in one latency bin (gateway.histogram), per key, user and tag
    set; rows with key_id "*" (and user "", tags "[]") count every event of the bucket."""

    key_id: str = Field(primary_key=True)
    user_id: str = Field(default="", primary_key=True)  # migration 0006_usersgw_limits
    bucket_start: int = Field(primary_key=True, sa_type=BigInteger)
    tags: str = Field(primary_key=True)
    bin: int = Field(primary_key=True)
    count: int = Field(default=0, sa_type=BigInteger)


class EventRollup(RollupTotals, table=True):
    """Totals per hour (bucket_start a whole hour)."""

    __tablename__ = "event_rollups"
    __table_args__ = (Index("ix_event_rollups_key_bucket", "key_id", "bucket_start"),)


class LatencyRollup(LatencyCounts, table=True):
    """Latency bins per hour."""

    __tablename__ = "latency_rollups"


class EventRollup3h(RollupTotals, table=True):
    """Totals per 3 hours from UTC midnight: reports read 3 times fewer rows for their whole 3-hour blocks."""

    __tablename__ = "event_rollups_3h"
    __table_args__ = (Index("ix_event_rollups_3h_key_bucket", "key_id", "bucket_start"),)


class LatencyRollup3h(LatencyCounts, table=True):
    """Latency bins per 3 hours from UTC midnight."""

    __tablename__ = "latency_rollups_3h"


class DailyEventRollup(RollupTotals, table=True):
    """Totals per UTC day: long reports read 24 times fewer rows (the same totals as the day's hours)."""

    __tablename__ = "event_rollups_daily"
    __table_args__ = (Index("ix_event_rollups_daily_key_bucket", "key_id", "bucket_start"),)


class DailyLatencyRollup(LatencyCounts, table=True):
    """Latency bins per UTC day."""

    __tablename__ = "latency_rollups_daily"


class RetentionMark(SQLModel, table=True):
    """Up to when rows of one kind may have been deleted: raw events before `before` may be gone."""

    __tablename__ = "retention_marks"

    name: str = Field(primary_key=True)
    before: float = 0.0
