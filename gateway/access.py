"""Who may call the proxy: key from the request, its state, and the paths, models and providers it allows."""

from __future__ import annotations

import time
from collections.abc import Mapping

from gateway.config import ConfigCache, Provider
from gateway.errors import GatewayError
from gateway.keys import hash_key
from gateway.models import Key


def raw_key(headers: Mapping[str, str]) -> str:
    """The API key from `Authorization: Bearer`, `x-api-key` or `api-key`."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return (headers.get("x-api-key") or headers.get("api-key") or "").strip()


async def authenticate(headers: Mapping[str, str], config: ConfigCache) -> Key:
    """The calling key, or 401 with the reason in words."""
    raw = raw_key(headers)
    if not raw:
        raise GatewayError(401, "Missing API key: send it as 'Authorization: Bearer <key>'.", code="missing_api_key")
    try:
        key = await config.key(hash_key(raw))
    except Exception as exc:
        raise GatewayError(503, "The gateway cannot verify keys right now (database unavailable). Try again shortly.",
                           code="database_unavailable") from exc
    if key is None:
        raise GatewayError(401, "Invalid API key: no such key.", code="invalid_api_key")
    if key.revoked:
        reason = f" ({key.revoked_reason})" if key.revoked_reason else ""
        raise GatewayError(401, f"This API key has been revoked{reason}.", code="revoked_api_key")
    if key.expires_at is not None and key.expires_at <= time.time():
        raise GatewayError(401, "This API key has expired.", code="expired_api_key")
    return key


def _path_allowed(key: Key, path: str, method: str) -> bool:
    if not key.allowed_paths:
        return True
    for rule in key.allowed_paths:
        allowed = str(rule.get("path", "")).rstrip("/")
        rule_method = str(rule.get("method", "")).upper()
        if rule_method and rule_method != method.upper():
            continue
        if allowed and (path == allowed or path.endswith(allowed if allowed.startswith("/") else "/" + allowed)):
            return True
    return False


def check_access(key: Key, path: str, method: str, model: str, provider: Provider | None) -> None:
    """403 when the key may not use this path, model or provider setting."""
    if not _path_allowed(key, path, method):
        raise GatewayError(403, f"This key may not call {path}.", code="path_not_allowed")
    if key.allowed_models and model not in key.allowed_models:
        shown = model or "(no model given)"
        raise GatewayError(
            403, f"This key may not use model '{shown}'. Allowed: {', '.join(key.allowed_models)}.", code="model_not_allowed"
        )
    if key.setting_ids and provider is not None and provider.setting_id not in key.setting_ids:
        raise GatewayError(403, f"This key may not use provider '{provider.name}'.", code="provider_not_allowed")
