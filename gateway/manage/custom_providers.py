"""Custom providers: OpenAI-compatible upstreams (llama-server) with one or more deployment URLs."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from gateway.errors import GatewayError
from gateway.manage.common import check_http_url, get_or_404, save
from gateway.models import CustomProvider, now_s

# The name is a path segment of /api/custom/providers/{provider}/chat/completions.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _conflict(name: str) -> str:
    return f"a custom provider named '{name}' already exists"


def validate_provider(db: Session, row: CustomProvider) -> None:
    if not _NAME.match(row.provider):
        raise GatewayError(400, f"provider: '{row.provider}' must be letters, digits, '.', '_' or '-'")
    if not row.urls:
        raise GatewayError(400, "urls: at least one deployment URL is required")
    row.urls = [check_http_url(url, f"urls.{i}") for i, url in enumerate(row.urls)]
    clash = select(CustomProvider.id).where(CustomProvider.provider == row.provider, CustomProvider.id != row.id)
    if db.exec(clash).first() is not None:
        raise GatewayError(409, _conflict(row.provider))


def create_provider(db: Session, row: CustomProvider) -> CustomProvider:
    row.created_at = row.updated_at = now_s()
    validate_provider(db, row)
    return save(db, row, _conflict(row.provider))


def update_provider(db: Session, provider_id: str, changes: dict[str, Any]) -> CustomProvider:
    row = get_or_404(db, CustomProvider, provider_id, "custom provider")
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = now_s()
    validate_provider(db, row)
    return save(db, row, _conflict(row.provider))


def list_providers(db: Session) -> list[CustomProvider]:
    return list(db.exec(select(CustomProvider).order_by(col(CustomProvider.provider))).all())
