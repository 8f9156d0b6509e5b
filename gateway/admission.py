"""What a request holds before it reaches a model: the quotas (concurrency, tokens) of its key and of a
user the key vouches for, then a fair slot.

The forwarding flow calls `enter` before anything upstream, `slot` before each upstream attempt,
`free_slot` after a failed attempt, and `leave` exactly once when the request is accounted for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from common.usage import TokenUsage
from gateway.config import Provider
from gateway.models import Key
from gateway.quotas import Hold, Quotas
from gateway.scheduler import Grant, Scheduler

log = logging.getLogger("gateway.admission")


@dataclass
class Admission:
    """One request's holds (the user's, then the key's); `queue_wait_ms` sums its waits for a slot (None
    if it never needed one)."""

    holds: list[Hold] = field(default_factory=list)
    grant: Grant | None = None
    queue_wait_ms: float | None = None
    left: bool = False

    def headers(self) -> dict[str, str]:
        """x-ratelimit-* of the holds; the key's (taken last) win over the user's."""
        return {name: value for hold in self.holds for name, value in hold.headers.items()}


class Gate:
    """The quotas and the scheduler of one gateway process, as the forwarding flow uses them."""

    def __init__(self, quotas: Quotas, scheduler: Scheduler) -> None:
        self.quotas = quotas
        self.scheduler = scheduler
        self._background: set[asyncio.Task[None]] = set()

    async def enter(self, admission: Admission, key: Key, body_bytes: int, payload: Mapping[str, Any], ticket: str) -> None:
        """Take the concurrency place and token reservation of `key` (a user's limits come as a Key too,
        gateway.user_limits.limits_of); 429 when over. Called once per subject, all given back by `leave`."""
        admission.holds.append(await self.quotas.take(key, body_bytes, payload, ticket))

    async def slot(self, admission: Admission, provider: Provider, key: Key, tried: set[str], user_id: str = "") -> str | None:
        """Wait (fairly: across keys, and across users of a key that vouches for them) for a slot and return
        its deployment URL; None when the provider is not slot-limited."""
        exclude = frozenset(tried) if not set(provider.urls) <= tried else frozenset()
        grant = await self.scheduler.acquire(provider, key, exclude, user_id)
        if grant is None:
            return None
        admission.grant = grant
        admission.queue_wait_ms = (admission.queue_wait_ms or 0.0) + grant.waited_ms
        return grant.url

    def free_slot(self, admission: Admission, failed: bool = False) -> None:
        """Give the slot back (after a failed attempt, `failed` asks for its slot count again)."""
        grant, admission.grant = admission.grant, None
        if grant is not None:
            self.scheduler.release(grant)
            if failed:
                self.scheduler.directory.suspect(grant.url)

    def leave(self, admission: Admission, status: int, usage: TokenUsage | None, reached_upstream: bool) -> None:
        """Free everything once; tokens are reconciled with the upstream's usage. Never awaits."""
        if admission.left:
            return
        admission.left = True
        self.free_slot(admission)
        holds = [h for h in admission.holds if h.lease_key is not None or h.token_key is not None]
        if not holds:
            return
        if usage is not None:
            used: int | None = usage.prompt_tokens + usage.completion_tokens
        elif not reached_upstream or status not in (200, 499):
            used = 0  # nothing was generated (cache hit, refusal, queue timeout, failed attempt)
        else:
            used = None  # generated but not reported (client left mid-stream): the reservation stands
        for hold in holds:
            task = asyncio.get_running_loop().create_task(self.quotas.give_back(hold, used))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
