"""Slot-aware admission: at most `slots` requests in flight per deployment; the rest wait here, in a
fair queue across keys and across the users of a key that vouches for them (gateway/fairqueue.py), and
take whichever deployment of their provider frees first."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from gateway.config import Provider
from gateway.errors import GatewayError
from gateway.fairqueue import Turn, UserFairQueue, add_count
from gateway.metrics import KEY_IN_FLIGHT, KEY_QUEUED, QUEUE_DEPTH, QUEUE_WAIT, SLOTS, SLOTS_IN_FLIGHT
from gateway.models import Key
from gateway.shared_slots import SharedSlots
from gateway.slots import SlotDirectory

log = logging.getLogger("gateway.scheduler")

# Queue waits kept per provider for the p50/p95 the dashboard shows.
RECENT_WAITS = 500
# A deployment whose slot count is unknown is never full.
UNLIMITED = 1_000_000


@dataclass
class Waiter:
    key_id: str
    exclude: frozenset[str]
    future: asyncio.Future[str]
    user_id: str = ""


@dataclass
class Lane:
    """One provider's deployments: their slots, what is in flight, and who waits."""

    name: str
    provider: Provider
    in_flight: dict[str, int] = field(default_factory=dict)
    queue: UserFairQueue[Waiter | None] = field(default_factory=UserFairQueue)
    waits_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_WAITS))
    # This process's waiters in the shared queue, by (key, user).
    waiting_shared: dict[tuple[str, str], int] = field(default_factory=dict)
    service_s: float = 1.0  # recent mean time a request holds a slot, for Retry-After


@dataclass(frozen=True)
class Grant:
    """A slot on `url`, held until `Scheduler.release`."""

    lane: str
    url: str
    key_id: str
    waited_ms: float
    started: float = field(default_factory=time.monotonic)
    ticket: str = ""  # its lease in the shared queue (Redis); "" when admitted in process
    user_id: str = ""  # the user a vouching key named


class Scheduler:
    """Admits requests to deployments with free slots, fairly across keys; off = no admission at all."""

    def __init__(self, directory: SlotDirectory, default_wait_s: float, enabled: bool = True,
                 shared: SharedSlots | None = None) -> None:
        self.directory = directory
        self.enabled = enabled
        self.shared = shared
        self._background: set[asyncio.Task[None]] = set()
        self._default_wait_s = default_wait_s
        self._lanes: dict[str, Lane] = {}
        self._key_in_flight: dict[str, int] = {}
        self._user_in_flight: dict[tuple[str, str], int] = {}  # (key, user) of vouching keys' requests
        directory.on_change = self._slots_changed

    def _lane(self, provider: Provider) -> Lane:
        lane = self._lanes.get(provider.name)
        if lane is None:
            lane = self._lanes[provider.name] = Lane(provider.name, provider)
        elif lane.provider != provider:  # deployments or maxParallel changed: admit by the new ones
            lane.provider = provider
            self._dispatch(lane)
        return lane

    def _slots(self, lane: Lane, url: str) -> int | None:
        return self.directory.slots(lane.provider, url)

    def _free_url(self, lane: Lane, exclude: frozenset[str]) -> str | None:
        """The allowed deployment with the most free slots (an unknown count never fills)."""
        best, best_free = None, 0.0
        for url in lane.provider.urls:
            if url in exclude:
                continue
            slots = self._slots(lane, url)
            free = math.inf if slots is None else slots - lane.in_flight.get(url, 0)
            if free > best_free:
                best, best_free = url, free
        return best

    async def acquire(self, provider: Provider, key: Key, exclude: frozenset[str] = frozenset(),
                      user_id: str = "") -> Grant | None:
        """A slot on a deployment of `provider`, waiting fairly for one (`user_id`: the user a vouching key
        named, who shares the key's turns with its other users); None when no deployment has a known slot
        count (the caller then picks as before). 503 + Retry-After after the key's longest wait."""
        if not self.enabled:
            return None
        await self.directory.learn(provider)
        lane = self._lane(provider)
        if all(self._slots(lane, u) is None for u in provider.urls if u not in exclude):
            return None
        limit_s = key.max_queue_wait_s or self._default_wait_s
        if self.shared is not None:
            try:
                return await self._acquire_shared(lane, key, limit_s, user_id)
            except (GatewayError, asyncio.CancelledError):
                raise
            except Exception as exc:  # Redis away: admit by this process's own count until it is back
                log.warning("shared slot queue unavailable (%s): admitting in process", exc)
        if not len(lane.queue):
            url = self._free_url(lane, exclude)
            if url is not None:
                lane.queue.charge(key.key_id, None, weight=max(1, key.priority), user=user_id)
                lane.waits_ms.append(0.0)
                QUEUE_WAIT.labels(lane.name).observe(0.0)
                return self._grant(lane, url, key.key_id, user_id)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        waiter = Waiter(key.key_id, exclude, future, user_id)
        entry = lane.queue.push(key.key_id, waiter, weight=max(1, key.priority), user=user_id)
        self._gauge_queue(lane, key.key_id)
        enqueued = time.monotonic()
        try:
            async with asyncio.timeout(limit_s):
                url = await future
        except TimeoutError:
            self._leave_queue(lane, entry, waiter)
            raise self._busy(lane, limit_s, len(lane.queue)) from None
        except BaseException:  # the client left while waiting (or the task was cancelled)
            if future.done() and not future.cancelled():
                self.release(Grant(lane.name, future.result(), key.key_id, 0.0, user_id=user_id))
            else:
                self._leave_queue(lane, entry, waiter)
            raise
        waited_ms = (time.monotonic() - enqueued) * 1000.0
        lane.waits_ms.append(waited_ms)
        QUEUE_WAIT.labels(lane.name).observe(waited_ms / 1000.0)
        return Grant(lane.name, url, key.key_id, waited_ms, user_id=user_id)

    def _busy(self, lane: Lane, limit_s: float, depth: int) -> GatewayError:
        retry = max(1, math.ceil(lane.service_s * (depth + 1) / max(1, self._capacity(lane))))
        return GatewayError(503, f"The model is busy: no slot freed within {limit_s:g} s. Try again in {retry} s.",
                            code="queue_timeout", headers={"retry-after": str(retry)})

    def _caps(self, lane: Lane) -> list[int]:
        return [self._slots(lane, u) or UNLIMITED for u in lane.provider.urls]

    async def _acquire_shared(self, lane: Lane, key: Key, limit_s: float, user_id: str) -> Grant:
        """Wait in the queue every gateway process shares (Redis) for a slot of the shared budget."""
        assert self.shared is not None
        enqueued = time.monotonic()
        add_count(lane.waiting_shared, (key.key_id, user_id), 1)
        try:
            got = await self.shared.acquire(lane.name, lane.provider.urls, self._caps(lane), key.key_id,
                                            max(1, key.priority), limit_s, user_id)
        finally:
            add_count(lane.waiting_shared, (key.key_id, user_id), -1)
        if got is None:
            raise self._busy(lane, limit_s, sum(lane.waiting_shared.values()))
        url, ticket = got
        waited_ms = (time.monotonic() - enqueued) * 1000.0
        lane.waits_ms.append(waited_ms)
        QUEUE_WAIT.labels(lane.name).observe(waited_ms / 1000.0)
        grant = self._grant(lane, url, key.key_id, user_id)
        return Grant(lane.name, url, key.key_id, waited_ms, grant.started, ticket, user_id)

    def _leave_queue(self, lane: Lane, entry: Turn[Waiter | None], waiter: Waiter) -> None:
        lane.queue.remove(entry)
        if not waiter.future.done():
            waiter.future.cancel()
        self._gauge_queue(lane, entry.flow)

    def _grant(self, lane: Lane, url: str, key_id: str, user_id: str) -> Grant:
        lane.in_flight[url] = lane.in_flight.get(url, 0) + 1
        add_count(self._key_in_flight, key_id, 1)
        if user_id:
            add_count(self._user_in_flight, (key_id, user_id), 1)
        SLOTS_IN_FLIGHT.labels(lane.name, url).set(lane.in_flight[url])
        KEY_IN_FLIGHT.labels(key_id).set(self._key_in_flight[key_id])
        return Grant(lane.name, url, key_id, 0.0, user_id=user_id)

    def release(self, grant: Grant) -> None:
        """Free the slot and hand it to the fair-next waiter at once."""
        lane = self._lanes.get(grant.lane)
        if lane is None:
            return
        lane.in_flight[grant.url] = max(0, lane.in_flight.get(grant.url, 0) - 1)
        left = add_count(self._key_in_flight, grant.key_id, -1)
        if grant.user_id:
            add_count(self._user_in_flight, (grant.key_id, grant.user_id), -1)
        SLOTS_IN_FLIGHT.labels(lane.name, grant.url).set(lane.in_flight[grant.url])
        KEY_IN_FLIGHT.labels(grant.key_id).set(max(0, left))
        lane.service_s = 0.9 * lane.service_s + 0.1 * (time.monotonic() - grant.started)
        if grant.ticket and self.shared is not None:
            task = asyncio.get_running_loop().create_task(
                self.shared.release(lane.name, lane.provider.urls, self._caps(lane), grant.ticket))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return
        self._dispatch(lane)

    def _dispatch(self, lane: Lane) -> None:
        """Start waiters in fair order while some deployment has a free slot they may use."""
        skipped: list[Turn[Waiter | None]] = []
        while self._free_url(lane, frozenset()) is not None:
            entry = lane.queue.pop()
            if entry is None:
                break
            waiter = entry.item
            if waiter is None or waiter.future.done():  # gave up in the same instant
                continue
            url = self._free_url(lane, waiter.exclude)
            if url is None:  # only deployments it already failed on are free: it keeps its place
                skipped.append(entry)
                continue
            lane.queue.started(entry)
            self._grant(lane, url, waiter.key_id, waiter.user_id)
            waiter.future.set_result(url)
            self._gauge_queue(lane, waiter.key_id)
        for entry in skipped:
            lane.queue.restore(entry)

    def _slots_changed(self, url: str) -> None:
        for lane in self._lanes.values():
            if url in lane.provider.urls:
                for u in lane.provider.urls:
                    SLOTS.labels(lane.name, u).set(self._slots(lane, u) or 0)
                self._dispatch(lane)

    def _capacity(self, lane: Lane) -> int:
        return sum(self._slots(lane, u) or 0 for u in lane.provider.urls)

    def _gauge_queue(self, lane: Lane, key_id: str) -> None:
        QUEUE_DEPTH.labels(lane.name).set(len(lane.queue))
        KEY_QUEUED.labels(key_id).set(sum(ln.queue.queued(key_id) for ln in self._lanes.values()))

    async def snapshot(self) -> dict[str, Any]:
        """Per provider and deployment: slots, in flight, queue depth, wait p50/p95 (queue and slots of every
        process when they share Redis); per key: in flight and queued in this process, and so per user for
        a key that vouches for users (only then: the view stays small)."""
        providers = []
        queued: dict[tuple[str, str], int] = {}  # by (key, user); user "" for requests that named none
        for lane in self._lanes.values():
            waits = sorted(lane.waits_ms)
            for key_id, users in lane.queue.users().items():
                for user_id, n in users.items():
                    add_count(queued, (key_id, user_id), n)
            for pair, n in lane.waiting_shared.items():
                add_count(queued, pair, n)
            depth, in_flight = len(lane.queue), [lane.in_flight.get(u, 0) for u in lane.provider.urls]
            if self.shared is not None:
                try:
                    shared_depth, leases = await self.shared.view(lane.name, lane.provider.urls, self._caps(lane))
                    # The shared view counts every process; this one's own count only matters while Redis was away.
                    depth += shared_depth
                    in_flight = [max(a, b) for a, b in zip(in_flight, leases, strict=True)]
                except Exception as exc:
                    log.warning("cannot read the shared slot queue (%s): showing this process only", exc)
            providers.append({
                "provider": lane.name,
                "queueDepth": depth,
                "queueWaitMsP50": _quantile(waits, 0.5),
                "queueWaitMsP95": _quantile(waits, 0.95),
                "deployments": [{"url": u, "slots": self._slots(lane, u), "inFlight": n}
                                for u, n in zip(lane.provider.urls, in_flight, strict=True)],
            })
        return {"enabled": self.enabled, "providers": providers, "keys": self._key_rows(queued)}

    def _key_rows(self, queued: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
        """Per key in flight and queued; "users" (in flight and queued per named user) only where some are."""
        queued_by_key: dict[str, int] = {}
        for (key_id, _), n in queued.items():
            add_count(queued_by_key, key_id, n)
        users: dict[str, set[str]] = {}  # key -> the users it named that wait or run
        for key_id, user_id in [*queued, *self._user_in_flight]:
            if user_id:
                users.setdefault(key_id, set()).add(user_id)
        rows = []
        for key_id in sorted(set(self._key_in_flight) | set(queued_by_key)):
            row: dict[str, Any] = {"keyId": key_id, "inFlight": self._key_in_flight.get(key_id, 0),
                                   "queued": queued_by_key.get(key_id, 0)}
            if key_id in users:
                row["users"] = [{"userId": u, "inFlight": self._user_in_flight.get((key_id, u), 0),
                                 "queued": queued.get((key_id, u), 0)} for u in sorted(users[key_id])]
            rows.append(row)
        return rows


def _quantile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return round(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))], 1)
