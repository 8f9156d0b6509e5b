"""Per-key limits that protect the GPU, exact across processes sharing the store: requests in flight
(`maxConcurrentRequests`) and tokens per window (`tokenLimitOverTime`, reserved before the call)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from common.time_units import TOKEN_UNITS, UNIT_WORDS
from gateway.errors import GatewayError
from gateway.models import Key
from gateway.store import Store
from gateway.windows import window

log = logging.getLogger("gateway.quotas")

# A lease outlives its holder's process by at most this long; live holders renew it every third of it.
LEASE_TTL_S = 90.0
# The prompt is estimated from the request body: at least one token per 3 bytes of JSON is an
# over-estimate for English and Hebrew alike, which is the safe side for a reservation.
BYTES_PER_TOKEN = 3


def reservation(body_bytes: int, payload: Mapping[str, Any], cap: int) -> int:
    """Worst-case tokens of a request: prompt estimate + max_tokens (absent or larger: `cap`)."""
    asked = payload.get("max_completion_tokens") or payload.get("max_tokens")
    completion = min(int(asked), cap) if isinstance(asked, int) and asked > 0 else cap
    return math.ceil(body_bytes / BYTES_PER_TOKEN) + completion


@dataclass
class Hold:
    """What one request took: a place among the key's requests in flight and a token reservation."""

    ticket: str
    lease_key: str | None = None
    token_key: str | None = None
    reserved: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class Quotas:
    """Takes and gives back holds; renews the leases of requests still running."""

    def __init__(self, store: Store, reserve_cap: int) -> None:
        self._store = store
        self._reserve_cap = reserve_cap
        self._held: dict[tuple[str, str], Hold] = {}  # by (lease key, ticket): a request may hold a key's and a user's
        self._renewer: asyncio.Task[None] | None = None

    async def take(self, key: Key, body_bytes: int, payload: Mapping[str, Any], ticket: str, now: float | None = None) -> Hold:
        """Hold a concurrency place and reserve tokens, or raise 429 with Retry-After and x-ratelimit-*."""
        now = time.time() if now is None else now
        hold = Hold(ticket=ticket)
        if key.max_concurrent_requests > 0:
            lease_key = f"conc:{key.key_id}"
            granted, held = await self._store.lease(lease_key, ticket, key.max_concurrent_requests, LEASE_TTL_S)
            limits = {"x-ratelimit-limit-concurrent": str(key.max_concurrent_requests),
                      "x-ratelimit-remaining-concurrent": str(max(0, key.max_concurrent_requests - held))}
            if not granted:
                raise GatewayError(
                    429, f"Concurrency limit reached: this key may have {key.max_concurrent_requests} requests in flight "
                         "at once. Try again when one of them has finished.",
                    code="concurrency_limit_exceeded", headers={**limits, "retry-after": "1"})
            hold.lease_key = lease_key
            hold.headers.update(limits)
            self._held[(lease_key, ticket)] = hold
            self._ensure_renewer()
        if key.token_limit_over_time > 0 and key.token_limit_unit in TOKEN_UNITS:
            try:
                await self._reserve(key, hold, reservation(body_bytes, payload, self._reserve_cap), now)
            except BaseException:
                await self.give_back(hold, None)
                raise
        return hold

    async def _reserve(self, key: Key, hold: Hold, amount: int, now: float) -> None:
        limit, unit = key.token_limit_over_time, key.token_limit_unit
        start, end = window(unit, now)
        token_key = f"tok:{key.key_id}:{unit}:{start}"
        reserved, total = await self._store.reserve(token_key, amount, limit, end - now + 60)
        reset_s = max(1, math.ceil(end - now))
        limits = {"x-ratelimit-limit-tokens": str(limit), "x-ratelimit-remaining-tokens": str(max(0, limit - total)),
                  "x-ratelimit-reset-tokens": f"{reset_s}s"}
        if not reserved:
            if amount > limit:
                message = (f"Token limit: this request may use up to {amount:,} tokens (prompt estimate + max_tokens), more "
                           f"than the {limit:,} per {UNIT_WORDS[unit]} this key allows. Lower max_tokens.")
            else:
                message = (f"Token limit reached: this key allows {limit:,} tokens per {UNIT_WORDS[unit]} and "
                           f"{max(0, limit - total):,} are left; this request may use up to {amount:,}. "
                           f"Try again in {reset_s} s.")
            raise GatewayError(429, message, code="token_limit_exceeded", headers={**limits, "retry-after": str(reset_s)})
        hold.token_key, hold.reserved = token_key, amount
        hold.headers.update(limits)

    async def give_back(self, hold: Hold, used_tokens: int | None) -> None:
        """Free the concurrency place; replace the reservation by the tokens the upstream reported."""
        if hold.lease_key:
            self._held.pop((hold.lease_key, hold.ticket), None)
        try:
            if hold.lease_key:
                await self._store.unlease(hold.lease_key, hold.ticket)
            if hold.token_key and used_tokens is not None and used_tokens != hold.reserved:
                await self._store.incr_existing([hold.token_key], used_tokens - hold.reserved)
        except Exception:  # the lease expires on its own; an unreconciled reservation errs on the safe side
            log.exception("could not give back the hold of request %s", hold.ticket)

    async def in_flight(self, key: Key) -> int:
        """Requests of `key` in flight across every process (only counted for keys with a cap)."""
        return await self._store.leases(f"conc:{key.key_id}") if key.max_concurrent_requests > 0 else 0

    async def tokens_used(self, key: Key, now: float | None = None) -> int | None:
        """Tokens counted in the key's current window (reserved or used), or None without a token limit."""
        if key.token_limit_over_time <= 0 or key.token_limit_unit not in TOKEN_UNITS:
            return None
        start, _ = window(key.token_limit_unit, time.time() if now is None else now)
        raw = await self._store.get(f"tok:{key.key_id}:{key.token_limit_unit}:{start}")
        return int(float(raw)) if raw is not None else 0

    def _ensure_renewer(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew(), name="lease-renewer")

    async def _renew(self) -> None:
        while self._held:
            await asyncio.sleep(LEASE_TTL_S / 3)
            held = [(h.lease_key, h.ticket) for h in self._held.values() if h.lease_key]
            if held:
                with contextlib.suppress(Exception):
                    await self._store.renew(held, LEASE_TTL_S)
