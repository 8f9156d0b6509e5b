"""Route bodies and answers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from gateway.admin.schemas.common import ApiModel, CacheConfig, to_seconds
from gateway.models import Route


class RouteStep(ApiModel):
    """One attempt: a provider and model, retries (null = the route's), extra request params, a timeout in seconds."""

    provider: str
    model: str
    retries: int | None = Field(None, ge=0, le=100)
    params: dict[str, Any] = {}
    timeout: Annotated[float, BeforeValidator(to_seconds), Field(gt=0)] | None = None


class RouteCreate(ApiModel):
    name: str = ""
    path: str = Field(min_length=1, description="Served at /api/routes/{path}; unique")
    steps: list[RouteStep] = Field(min_length=1)
    key_ids: list[str] = Field([], description="Keys allowed to use the route; empty = every key")
    cache_config: CacheConfig = CacheConfig()
    retries: int = Field(0, ge=0, le=100)

    def columns(self) -> dict[str, Any]:
        """`Route` column values; unset step fields are left out so the proxy applies the route's defaults."""
        return {
            **self.model_dump(by_alias=False, exclude={"steps"}),
            "steps": [step.model_dump(by_alias=False, exclude_none=True) for step in self.steps],
        }


class RouteOut(RouteCreate):
    id: str
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Route) -> RouteOut:
        return cls.model_validate(row.model_dump())


class RouteDeleted(ApiModel):
    id: str
    deleted: bool = True
