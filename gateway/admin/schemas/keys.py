"""Key bodies and answers (BricksLLM field names, plus our `cacheConfig` and `expiresAt`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from gateway.admin.schemas.common import INT32_MAX, ApiModel, CacheConfig, Seconds
from gateway.manage.common import MASK
from gateway.models import Key

NonEmpty = Annotated[str, Field(min_length=1)]


class PathRule(ApiModel):
    """A path (and HTTP method) the key may call, e.g. {"path": "/v1/chat/completions", "method": "POST"}."""

    path: NonEmpty
    method: Annotated[str, Field(min_length=1), AfterValidator(str.upper)]


class KeyFields(ApiModel):
    """Fields a client may set; null or absent leaves a field as it is (empty string clears a unit or ttl)."""

    name: str | None = None
    tags: list[NonEmpty] | None = None
    cost_limit_in_usd: float | None = Field(None, description="Total spend allowed, USD; 0 = no limit")
    cost_limit_in_usd_over_time: float | None = Field(None, description="Spend allowed per costLimitInUsdUnit")
    cost_limit_in_usd_unit: str | None = Field(None, description="m, h, d or mo")
    rate_limit_over_time: int | None = Field(None, ge=0, le=INT32_MAX,
                                             description="Requests allowed per rateLimitUnit; 0 = no limit")
    rate_limit_unit: str | None = Field(None, description="s, m, h or d")
    ttl: str | None = Field(None, description="Go duration after which the key expires, e.g. 720h")
    setting_id: str | None = Field(None, description="BricksLLM's older single setting; merged into settingIds")
    setting_ids: list[NonEmpty] | None = None
    allowed_paths: list[PathRule] | None = None
    allowed_models: list[NonEmpty] | None = None
    should_log_request: bool | None = None
    should_log_response: bool | None = None
    cache_config: CacheConfig | None = None
    max_concurrent_requests: int | None = Field(None, ge=0, le=INT32_MAX, description="Requests of this key in flight at once; 0 = no cap")
    token_limit_over_time: int | None = Field(None, ge=0, le=INT32_MAX, description="Tokens allowed per tokenLimitUnit; 0 = no limit")
    token_limit_unit: str | None = Field(None, description="m, h or d")
    max_queue_wait_in_seconds: Seconds | None = Field(
        None, description="Longest wait for a model slot before 503; 0 = the gateway default (QUEUE_MAX_WAIT_S)")
    priority: int | None = Field(None, ge=1, le=100, description="Weight of this key's share of the slots (default 1)")
    reasoning_budget_tokens: int | None = Field(
        None, ge=-1, description="Thinking tokens per request at most (the smaller of this and the request's own); "
                                 "-1 = no cap, 0 = no thinking")

    def columns(self) -> dict[str, Any]:
        """The `Key` column values this body sets."""
        data = self.model_dump(by_alias=False, exclude_unset=True, exclude_none=True, exclude={"key", "setting_id", "cache_config", "max_queue_wait_in_seconds"})
        if self.setting_id:
            data["setting_ids"] = [self.setting_id, *(i for i in self.setting_ids or [] if i != self.setting_id)]
        if self.cache_config is not None:
            data["cache_enabled"], data["cache_ttl_s"] = self.cache_config.enabled, self.cache_config.ttl
        if self.max_queue_wait_in_seconds is not None:
            data["max_queue_wait_s"] = float(self.max_queue_wait_in_seconds)
        return data


class KeyCreate(KeyFields):
    key: str | None = Field(None, min_length=8, description="The raw key to accept; generated when absent")


class KeyUpdate(KeyFields):
    revoked: bool | None = None
    revoked_reason: str | None = None


class KeyOut(ApiModel):
    """A key as the API shows it; `key` is the raw key only in the answer to its creation."""

    key_id: str
    name: str
    key: str
    tags: list[str]
    created_at: int
    updated_at: int
    revoked: bool
    revoked_reason: str
    cost_limit_in_usd: float
    cost_limit_in_usd_over_time: float
    cost_limit_in_usd_unit: str
    rate_limit_over_time: int
    rate_limit_unit: str
    ttl: str
    expires_at: int | None
    setting_ids: list[str]
    allowed_paths: list[PathRule]
    allowed_models: list[str]
    should_log_request: bool
    should_log_response: bool
    cache_config: CacheConfig
    max_concurrent_requests: int
    token_limit_over_time: int
    token_limit_unit: str
    max_queue_wait_in_seconds: float
    priority: int
    reasoning_budget_tokens: int

    @classmethod
    def from_row(cls, row: Key, raw: str | None = None) -> KeyOut:
        return cls.model_validate({
            **row.model_dump(exclude={"key_hash", "key_hint"}),
            "key": raw or MASK + row.key_hint,
            "cache_config": CacheConfig(enabled=row.cache_enabled, ttl=row.cache_ttl_s),
            "max_queue_wait_in_seconds": row.max_queue_wait_s,
        })


class KeyDeleted(ApiModel):
    key_id: str
    deleted: bool = True
