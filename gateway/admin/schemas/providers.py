"""Provider setting and custom provider bodies and answers; secrets are masked in every answer."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.admin.schemas.common import ApiModel
from gateway.manage.provider_settings import masked
from gateway.models import CustomProvider, ProviderSetting


class CostMap(ApiModel):
    """Prices in USD per 1,000 tokens, by model name ("*" prices every other model)."""

    prompt_cost_per_model: dict[str, float] = {}
    completion_cost_per_model: dict[str, float] = {}


class SettingFields(ApiModel):
    """`setting` holds `url` and `apikey` (and any other provider field); a PATCH merges it field by field."""

    provider: str | None = None
    name: str | None = None
    setting: dict[str, Any] | None = None
    allowed_models: list[str] | None = None
    cost_map: CostMap | None = None

    def columns(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=False, exclude_unset=True, exclude_none=True, exclude={"cost_map"})
        if self.cost_map is not None:
            data["cost_map"] = self.cost_map.model_dump(by_alias=True)
        return data


class SettingCreate(SettingFields):
    provider: str


class SettingOut(ApiModel):
    id: str
    provider: str
    name: str
    setting: dict[str, Any]
    allowed_models: list[str]
    cost_map: CostMap
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: ProviderSetting) -> SettingOut:
        return cls.model_validate({**row.model_dump(), "setting": masked(row.setting)})


class CustomProviderFields(ApiModel):
    """`urls` lists OpenAI-compatible base URLs (deployments); BricksLLM's single `url` is accepted too."""

    provider: str | None = None
    url: str | None = None
    urls: list[str] | None = None
    route_configs: list[dict[str, Any]] | None = None
    authentication_param: str | None = None
    max_parallel: int | None = Field(None, ge=0, le=1024,
                                     description="Slots per deployment; 0 = read llama-server's /props total_slots")

    def columns(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=False, exclude_unset=True, exclude_none=True, exclude={"url"})
        if self.url:
            data["urls"] = [self.url, *(u for u in self.urls or [] if u != self.url)]
        return data


class CustomProviderCreate(CustomProviderFields):
    provider: str = Field(min_length=1)


class CustomProviderOut(ApiModel):
    id: str
    provider: str
    url: str
    urls: list[str]
    route_configs: list[dict[str, Any]]
    authentication_param: str
    max_parallel: int
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: CustomProvider) -> CustomProviderOut:
        return cls.model_validate({**row.model_dump(), "url": row.urls[0] if row.urls else ""})
