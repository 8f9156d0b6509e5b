"""User bodies and answers (BricksLLM-style camelCase); passwords go in, never out (except a generated one, once)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from pydantic import Field

from gateway.admin.schemas.common import INT32_MAX, ApiModel
from gateway.models import User

Role = Literal["admin", "user"]


class UserLimits(ApiModel):
    """The user's own limits, on top of the key's when a vouching key names the user; null leaves one as it is."""

    rate_limit_over_time: int | None = Field(None, description="Requests allowed per rateLimitUnit; 0 = no limit")
    rate_limit_unit: str | None = Field(None, description="s, m, h or d")
    cost_limit_in_usd: float | None = Field(None, description="Total spend allowed, USD; 0 = no limit")
    cost_limit_in_usd_over_time: float | None = Field(None, description="Spend allowed per costLimitInUsdUnit")
    cost_limit_in_usd_unit: str | None = Field(None, description="m, h, d or mo")
    max_concurrent_requests: int | None = Field(None, ge=0, le=INT32_MAX,
                                                description="Requests of this user in flight at once; 0 = no cap")
    token_limit_over_time: int | None = Field(None, ge=0, le=INT32_MAX,
                                              description="Tokens allowed per tokenLimitUnit; 0 = no limit")
    token_limit_unit: str | None = Field(None, description="m, h or d")

    def limits(self) -> dict[str, Any]:
        """The `User` limit columns this body sets."""
        return self.model_dump(by_alias=False, exclude_none=True, include=set(UserLimits.model_fields))


class UserCreate(UserLimits):
    name: str = Field(min_length=1, max_length=64, description="Sign-in name: letters, digits, . _ @ -")
    password: str | None = Field(None, max_length=256, description="At least 8 characters; generated when absent")
    role: Role = "user"
    email: str = Field("", max_length=254)


class UserUpdate(UserLimits):
    email: str | None = Field(None, max_length=254)
    role: Role | None = None
    disabled: bool | None = Field(None, description="A disabled user's sessions end at once")
    password: str | None = Field(None, max_length=256, description="A new password; the user's sessions end")
    reset_password: bool = Field(False, description="Generate a new password (returned once); the user's sessions end")


class UserOut(ApiModel):
    """A user as the API shows it; `password` is set only when the gateway generated one for this answer."""

    id: str
    name: str
    email: str
    role: str
    disabled: bool
    created_at: float
    updated_at: float
    last_seen_at: float | None
    rate_limit_over_time: int
    rate_limit_unit: str
    cost_limit_in_usd: float
    cost_limit_in_usd_over_time: float
    cost_limit_in_usd_unit: str
    max_concurrent_requests: int
    token_limit_over_time: int
    token_limit_unit: str
    password: str | None = None
    requests: int = Field(0, description="Requests through the gateway (in lists)")
    prompt_token_count: int = 0
    completion_token_count: int = 0
    cost_in_usd: float = 0.0

    @classmethod
    def from_row(cls, row: User, password: str | None = None, usage: Any = None) -> UserOut:
        spent = asdict(usage) if usage is not None else {}
        return cls.model_validate({**row.model_dump(exclude={"password_hash"}), "password": password, **spent})


class UserDeleted(ApiModel):
    id: str
    deleted: bool = True


class SignUpPolicyOut(ApiModel):
    """Whether the chat may offer self sign-up (AUTH_SIGNUP) and the one e-mail domain allowed, if any."""

    enabled: bool
    domain: str = Field(description="Only addresses @domain may sign up; empty = any address, or none")


class SignUp(ApiModel):
    """A person's own new account (always role `user`); each field is checked with a sentence and a `code`."""

    name: str = Field(max_length=1024, description="Sign-in name: 1-64 letters, digits, . _ @ -")
    email: str = Field("", max_length=1024, description="Required, @domain, when AUTH_SIGNUP_DOMAIN is set")
    password: str = Field(max_length=1024, description="8-256 characters")
