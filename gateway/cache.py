"""Response cache for identical non-streaming requests (Redis, or in-process without it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from gateway.store import Store


def cache_key(scope: str, payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(dict(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "cache:" + hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


async def lookup(store: Store, key: str) -> bytes | None:
    return await store.get(key)


async def save(store: Store, key: str, body: bytes, ttl_s: float) -> None:
    await store.set(key, body, ttl_s)
