"""User bodies and answers (BricksLLM-style camelCase); passwords go in, never out (except a generated one, once)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.admin.schemas.common import ApiModel
from gateway.models import User

Role = Literal["admin", "user"]


class UserCreate(ApiModel):
    name: str = Field(min_length=1, max_length=64, description="Sign-in name: letters, digits, . _ @ -")
    password: str | None = Field(None, max_length=256, description="At least 8 characters; generated when absent")
    role: Role = "user"
    email: str = Field("", max_length=254)


class UserUpdate(ApiModel):
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
    password: str | None = None

    @classmethod
    def from_row(cls, row: User, password: str | None = None) -> UserOut:
        return cls.model_validate({**row.model_dump(exclude={"password_hash"}), "password": password})


class UserDeleted(ApiModel):
    id: str
    deleted: bool = True
