"""Provider settings: credentials, URL, allowed models and prices (USD per 1,000 tokens)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from common.text import comma_list
from gateway.errors import GatewayError
from gateway.manage.common import MASK, check_http_url, get_or_404, save
from gateway.models import ProviderSetting, now_s

COST_TABLES = ("promptCostPerModel", "completionCostPerModel")


def is_secret(name: str) -> bool:
    """Setting fields never returned in clear: API keys, secrets, tokens, passwords."""
    lowered = name.lower()
    return any(word in lowered for word in ("key", "secret", "token", "password"))


def mask_secret(value: Any) -> str:
    """Show at most the last four characters, and only of secrets long enough to spare them."""
    text = str(value or "")
    if not text:
        return ""
    return MASK + text[-4:] if len(text) >= 12 else MASK


def masked(setting: dict[str, Any]) -> dict[str, Any]:
    return {name: mask_secret(value) if is_secret(name) else value for name, value in setting.items()}


def _merge_setting(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """Overlay `incoming`; a masked secret echoed back by a client keeps the stored one."""
    merged = dict(current)
    for name, value in incoming.items():
        if is_secret(name) and isinstance(value, str) and value.startswith(MASK):
            continue
        merged[name] = value
    return merged


def validate_setting(row: ProviderSetting) -> None:
    if not row.provider.strip():
        raise GatewayError(400, "provider: must not be empty")
    url = row.setting.get("url")
    if url:
        row.setting = {**row.setting, "url": ",".join(check_http_url(u, "setting.url") for u in comma_list(str(url)))}
    for table in COST_TABLES:
        for model, price in (row.cost_map.get(table) or {}).items():
            if float(price) < 0:
                raise GatewayError(400, f"costMap.{table}.{model}: must not be negative")


def create_setting(db: Session, row: ProviderSetting) -> ProviderSetting:
    row.created_at = row.updated_at = now_s()
    validate_setting(row)
    return save(db, row, "this provider setting already exists")


def update_setting(db: Session, setting_id: str, changes: dict[str, Any]) -> ProviderSetting:
    """Apply `changes`; `setting` is merged field by field, so a PATCH need not resend the apikey."""
    row = get_or_404(db, ProviderSetting, setting_id, "provider setting")
    for name, value in changes.items():
        setattr(row, name, _merge_setting(row.setting, value) if name == "setting" else value)
    row.updated_at = now_s()
    validate_setting(row)
    return save(db, row, "this provider setting already exists")


def list_settings(db: Session) -> list[ProviderSetting]:
    return list(db.exec(select(ProviderSetting).order_by(col(ProviderSetting.created_at), col(ProviderSetting.id))).all())
