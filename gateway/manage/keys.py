"""API keys: create (raw key returned once, SHA-256 stored), change, revoke, list, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from common.time_units import COST_UNITS, RATE_UNITS, TOKEN_UNITS, parse_duration
from gateway.errors import GatewayError
from gateway.jsonsql import has_all
from gateway.keys import generate_raw_key, hash_key, key_hint
from gateway.manage.common import get_or_404, save
from gateway.models import Key, ProviderSetting, now_s

_DUPLICATE = "a key with this value already exists; choose another key or omit it to generate one"


@dataclass
class KeyQuery:
    """Filters for listing keys; `limit=None` lists every match."""

    key_ids: Sequence[str] = ()
    tags: Sequence[str] = ()
    name: str = ""
    revoked: bool | None = None
    offset: int = 0
    limit: int | None = None


def validate_key(key: Key) -> None:
    """Refuse limits a proxy could not enforce: a limit needs a known unit, nothing negative."""
    for field, value in (
        ("costLimitInUsd", key.cost_limit_in_usd),
        ("costLimitInUsdOverTime", key.cost_limit_in_usd_over_time),
        ("rateLimitOverTime", key.rate_limit_over_time),
        ("cacheConfig.ttl", key.cache_ttl_s),
        ("maxConcurrentRequests", key.max_concurrent_requests),
        ("tokenLimitOverTime", key.token_limit_over_time),
        ("maxQueueWaitInSeconds", key.max_queue_wait_s),
    ):
        if value < 0:
            raise GatewayError(400, f"{field}: must not be negative")
    _check_unit("rateLimitUnit", key.rate_limit_unit, RATE_UNITS, key.rate_limit_over_time, "rateLimitOverTime")
    _check_unit(
        "costLimitInUsdUnit", key.cost_limit_in_usd_unit, COST_UNITS,
        key.cost_limit_in_usd_over_time, "costLimitInUsdOverTime",
    )
    _check_unit("tokenLimitUnit", key.token_limit_unit, TOKEN_UNITS, key.token_limit_over_time, "tokenLimitOverTime")
    if key.priority < 1:
        raise GatewayError(400, "priority: must be at least 1 (a weight: 2 gets twice the share of 1)")
    for index, rule in enumerate(key.allowed_paths):
        if not rule.get("path") or not rule.get("method"):
            raise GatewayError(400, f"allowedPaths.{index}: needs both 'path' and 'method'")


def _check_unit(field: str, unit: str, units: Sequence[str], limit: float, limit_field: str) -> None:
    if unit and unit not in units:
        raise GatewayError(400, f"{field}: '{unit}' is not one of {', '.join(units)}")
    if limit > 0 and not unit:
        raise GatewayError(400, f"{field}: required when {limit_field} is set (one of {', '.join(units)})")


def _check_settings(db: Session, key: Key) -> None:
    """Every id in settingIds must name an existing provider setting."""
    if not key.setting_ids:
        return
    found = set(db.exec(select(ProviderSetting.id).where(col(ProviderSetting.id).in_(key.setting_ids))).all())
    for index, setting_id in enumerate(key.setting_ids):
        if setting_id not in found:
            raise GatewayError(400, f"settingIds.{index}: provider setting '{setting_id}' does not exist")


def _expiry(ttl: str, since: int) -> int | None:
    if not ttl:
        return None
    try:
        return since + int(parse_duration(ttl))
    except ValueError as exc:
        raise GatewayError(400, f"ttl: {exc}") from None


def create_key(db: Session, key: Key, raw: str | None = None) -> tuple[Key, str]:
    """Store `key` under the SHA-256 of `raw` (generated if None); returns the row and the raw key."""
    raw = raw or generate_raw_key()
    key.key_hash, key.key_hint = hash_key(raw), key_hint(raw)
    key.created_at = key.updated_at = now_s()
    key.expires_at = _expiry(key.ttl, key.created_at)
    validate_key(key)
    _check_settings(db, key)
    if db.exec(select(Key.key_id).where(Key.key_hash == key.key_hash)).first() is not None:
        raise GatewayError(409, _DUPLICATE)
    return save(db, key, _DUPLICATE), raw


def update_key(db: Session, key_id: str, changes: dict[str, Any]) -> Key:
    """Apply `changes` (column values); a new ttl counts from now; un-revoking clears the reason."""
    key = get_or_404(db, Key, key_id, "key")
    for name, value in changes.items():
        setattr(key, name, value)
    key.updated_at = now_s()
    if "ttl" in changes:
        key.expires_at = _expiry(key.ttl, key.updated_at)
    if changes.get("revoked") is False and "revoked_reason" not in changes:
        key.revoked_reason = ""
    validate_key(key)
    _check_settings(db, key)
    return save(db, key, _DUPLICATE)


def delete_key(db: Session, key_id: str) -> None:
    """Delete a key for good (its events stay)."""
    db.delete(get_or_404(db, Key, key_id, "key"))
    db.commit()


def list_keys(db: Session, query: KeyQuery) -> tuple[list[Key], int]:
    """Keys matching `query`, newest first, and how many match in total."""
    dialect = db.get_bind().dialect.name
    conditions: list[ColumnElement[bool]] = []
    if query.key_ids:
        conditions.append(col(Key.key_id).in_(list(query.key_ids)))
    if query.tags:
        conditions.append(has_all(col(Key.tags), query.tags, dialect))
    if query.name:
        conditions.append(func.lower(Key.name).contains(query.name.lower(), autoescape=True))
    if query.revoked is not None:
        conditions.append(col(Key.revoked) == query.revoked)
    total = db.exec(select(func.count()).select_from(Key).where(*conditions)).one()
    rows = select(Key).where(*conditions).order_by(col(Key.created_at).desc(), col(Key.key_id)).offset(query.offset)
    if query.limit is not None:
        rows = rows.limit(query.limit)
    return list(db.exec(rows).all()), int(total)
