"""`GET /v1/models`: the models the upstreams serve, plus routes, cached briefly."""

from __future__ import annotations

import asyncio
import builtins
import time
from typing import Any

import aiohttp

from gateway.config import Snapshot
from gateway.upstream import api_url

_TTL_S = 30.0


class ModelLister:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._cached: tuple[float, list[dict[str, Any]]] | None = None

    async def list(self, snapshot: Snapshot) -> builtins.list[dict[str, Any]]:
        if self._cached and time.monotonic() - self._cached[0] < _TTL_S:
            return self._cached[1]
        found = await asyncio.gather(*(self._ask(name, p.urls[0], p.api_key) for name, p in snapshot.providers.items() if p.urls))
        data = [m for models in found for m in models]
        data += [{"id": path, "object": "model", "owned_by": "route"} for path in snapshot.routes]
        self._cached = (time.monotonic(), data)
        return data

    async def _ask(self, provider: str, base: str, api_key: str) -> builtins.list[dict[str, Any]]:
        url = api_url(base, "/models")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        try:
            async with self._session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=3)) as resp:
                payload = await resp.json(content_type=None)
            ids = [str(m.get("id")) for m in payload.get("data", []) if isinstance(m, dict)]
        except Exception:  # an unreachable upstream still lists its provider name
            ids = []
        return [{"id": i, "object": "model", "owned_by": provider} for i in ids] or [
            {"id": provider, "object": "model", "owned_by": provider}
        ]
