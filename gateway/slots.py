"""How many requests each deployment serves at once: a provider's `maxParallel`, else llama-server's
`GET /props` `total_slots`, read at start, re-read every SLOT_REFRESH_S and soon after a failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

import aiohttp

from gateway.config import Provider

log = logging.getLogger("gateway.slots")

# An unknown count (server down, or not a llama-server) is asked again after this long.
RETRY_UNKNOWN_S = 5.0
PROBE_TIMEOUT_S = 2.0


def props_url(deployment: str) -> str:
    """llama-server serves /props beside /v1, so a deployment listed with `/v1` drops it."""
    base = deployment.rstrip("/")
    return (base[:-3] if base.endswith("/v1") else base) + "/props"


class SlotDirectory:
    """Slot counts per deployment URL (None = unknown: such a deployment is not scheduled)."""

    def __init__(self, session: aiohttp.ClientSession, refresh_s: float) -> None:
        self._session = session
        self._refresh_s = refresh_s
        self._found: dict[str, tuple[int | None, float]] = {}
        self._probing: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self.on_change: Callable[[str], None] = lambda url: None

    def slots(self, provider: Provider, url: str) -> int | None:
        if provider.max_parallel > 0:
            return provider.max_parallel
        found = self._found.get(url)
        return found[0] if found else None

    async def learn(self, provider: Provider) -> None:
        """Make sure every deployment of `provider` has been asked once (waits for at most one probe)."""
        if provider.max_parallel > 0:
            return
        now = time.monotonic()
        stale = [u for u in provider.urls if u not in self._found or
                 (self._found[u][0] is None and now - self._found[u][1] > RETRY_UNKNOWN_S)]
        if stale:
            await asyncio.gather(*(self._probe_once(u) for u in stale))

    def suspect(self, url: str) -> None:
        """A deployment failed: it may have restarted with another --parallel; ask again soon."""
        if url in self._found:
            count, _ = self._found[url]
            self._found[url] = (count, time.monotonic() - self._refresh_s + RETRY_UNKNOWN_S)

    async def _probe_once(self, url: str) -> None:
        task = self._probing.get(url)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._probe(url))
            self._probing[url] = task
            task.add_done_callback(lambda _t: self._probing.pop(url, None))
        await asyncio.shield(task)

    async def _probe(self, url: str) -> None:
        count: int | None = None
        with contextlib.suppress(Exception):
            timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)
            async with self._session.get(props_url(url), timeout=timeout) as resp:
                if resp.status == 200:
                    body = await resp.json(content_type=None)
                    total = body.get("total_slots") if isinstance(body, dict) else None
                    count = int(total) if isinstance(total, int) and total > 0 else None
        before = self._found.get(url)
        self._found[url] = (count, time.monotonic())
        if before is None or before[0] != count:
            log.info("deployment %s: %s slots", url, count if count is not None else "unknown")
            self.on_change(url)

    def start(self, urls: Iterable[str]) -> None:
        """Ask `urls` now, then keep every known deployment's count fresh in the background."""
        for url in urls:
            self._found.setdefault(url, (None, 0.0))
        self._task = asyncio.get_running_loop().create_task(self._refresh(), name="slot-refresh")

    async def _refresh(self) -> None:
        while True:
            now = time.monotonic()
            due = [u for u, (count, at) in self._found.items()
                   if now - at >= (self._refresh_s if count is not None else RETRY_UNKNOWN_S)]
            if due:
                await asyncio.gather(*(self._probe_once(u) for u in due), return_exceptions=True)
            await asyncio.sleep(min(self._refresh_s, RETRY_UNKNOWN_S))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
