"""Provider settings (/api/provider-settings) and custom providers (/api/custom/providers)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.admin.deps import Ctx, run_db, write_db
from gateway.admin.schemas.providers import (
    CustomProviderCreate,
    CustomProviderFields,
    CustomProviderOut,
    SettingCreate,
    SettingFields,
    SettingOut,
)
from gateway.manage import custom_providers, provider_settings
from gateway.models import CustomProvider, ProviderSetting

router = APIRouter(tags=["providers"])


@router.put("/api/provider-settings")
async def create_setting(body: SettingCreate, ctx: Ctx) -> SettingOut:
    """Create a provider setting; secrets such as `setting.apikey` are masked in every answer."""
    row = await write_db(ctx, "providers", provider_settings.create_setting, ProviderSetting(**body.columns()))
    return SettingOut.from_row(row)


@router.get("/api/provider-settings")
async def list_settings(ctx: Ctx) -> list[SettingOut]:
    return [SettingOut.from_row(row) for row in await run_db(ctx, provider_settings.list_settings)]


@router.patch("/api/provider-settings/{setting_id}")
async def update_setting(setting_id: str, body: SettingFields, ctx: Ctx) -> SettingOut:
    """Change the fields sent; `setting` is merged, and a masked secret sent back keeps the stored one."""
    row = await write_db(ctx, "providers", provider_settings.update_setting, setting_id, body.columns())
    return SettingOut.from_row(row)


@router.post("/api/custom/providers")
async def create_custom_provider(body: CustomProviderCreate, ctx: Ctx) -> CustomProviderOut:
    """Add an OpenAI-compatible upstream; each of `urls` is one deployment the router balances over."""
    row = await write_db(ctx, "providers", custom_providers.create_provider, CustomProvider(**body.columns()))
    return CustomProviderOut.from_row(row)


@router.get("/api/custom/providers")
async def list_custom_providers(ctx: Ctx) -> list[CustomProviderOut]:
    return [CustomProviderOut.from_row(row) for row in await run_db(ctx, custom_providers.list_providers)]


@router.patch("/api/custom/providers/{provider_id}")
async def update_custom_provider(provider_id: str, body: CustomProviderFields, ctx: Ctx) -> CustomProviderOut:
    row = await write_db(ctx, "providers", custom_providers.update_provider, provider_id, body.columns())
    return CustomProviderOut.from_row(row)
