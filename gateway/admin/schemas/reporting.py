"""Reporting bodies and answers (BricksLLM's dataPoints, plus percentiles, errors and cache hits)."""

from __future__ import annotations

from pydantic import Field

from gateway.admin.schemas.common import ApiModel


class ReportingQuery(ApiModel):
    """Buckets of `increment` seconds over [start, end) (unix seconds); events must carry every tag."""

    key_ids: list[str] = []
    tags: list[str] = []
    user_ids: list[str] = Field([], description="Only requests of these users (named by keys that vouch for users)")
    start: int
    end: int
    increment: int


class DataPointOut(ApiModel):
    time_stamp: int
    number_of_requests: int
    prompt_token_count: int
    completion_token_count: int
    cost_in_usd: float
    latency_in_ms: float = Field(description="Average latency in the bucket")
    latency_in_ms_median: float = Field(description="Within 1 % of the exact median (log-spaced histogram)")
    latency_in_ms_95th: float
    latency_in_ms_99th: float
    error_count: int = Field(description="Failed requests; client-cancelled ones (status 499) are not errors")
    cancelled_count: int = Field(0, description="Requests the client stopped before the answer ended (status 499)")
    cache_hit_count: int


class ReportOut(ApiModel):
    data_points: list[DataPointOut]
    latency_in_ms_median: float
    latency_in_ms_95th: float = 0.0
    latency_in_ms_99th: float


class SpendOut(ApiModel):
    """Spend, requests and tokens of one key, user or model (gateway.reporting.Spend)."""

    cost_in_usd: float
    requests: int
    prompt_token_count: int
    completion_token_count: int


class KeyUsageOut(SpendOut):
    key_id: str


class TopKeysQuery(ApiModel):
    """Biggest spenders over [start, end) (all time when absent)."""

    start: int | None = None
    end: int | None = None
    limit: int = Field(10, ge=1, le=1000)
    tags: list[str] = []


class TopKeyOut(KeyUsageOut):
    name: str


class TopKeysOut(ApiModel):
    data_points: list[TopKeyOut]


class TopUserOut(SpendOut):
    user_id: str
    name: str = Field(description="The user's name; empty when no user has this id (any more)")
    last_seen: float | None = Field(description="Unix time of the user's last request in the window")


class TopUsersOut(ApiModel):
    data_points: list[TopUserOut]


class TopModelOut(SpendOut):
    model: str


class TopModelsOut(ApiModel):
    data_points: list[TopModelOut]
