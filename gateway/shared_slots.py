"""One slot budget and one fair queue per provider for every gateway process sharing Redis.

A single Lua script keeps, per provider: the queue (a sorted set of tickets by start tag), each key's
finish tag, the virtual time, and per deployment a set of slot leases. A second level, as in process
(gateway.fairqueue.UserFairQueue): per key, its tickets by their users' start tags, the users' finish
tags and the key's own virtual time; when a key's ticket is at the head, the key's turn goes to its
fairest user's ticket, which swaps places with it (a key's places in the queue are interchangeable). Enqueueing, releasing and
cancelling each run it once: it hands free slots to the fairest tickets and publishes every grant; the
process holding that ticket wakes its waiter (and polls once a second in case a message was lost).
A waiting ticket carries its deadline and a lease its expiry, so a crashed process leaks nothing for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from gateway.store import RedisStore

log = logging.getLogger("gateway.shared_slots")

CHANNEL = "slot-grants"
LEASE_S = 90.0
POLL_S = 1.0

# KEYS (all of a lane's, under one hash tag, so Redis Cluster keeps them in one slot): queue, deadlines,
# finish tags, virtual time, ticket owners, the keys' virtual times among their users, the keys' waiting
# tickets by user start tag, the users' finish tags, then one lease set per deployment. The script touches
# no other key.
# ARGV: channel, op, now_ms, lease_ms, n, url_1..url_n, cap_1..cap_n, ticket, op arguments...
_SCRIPT = """
local queue, deadlines, finish, vkey, owners, uvtime = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local utickets, ufinish = KEYS[7], KEYS[8]
local L = 8
-- Every key's waiting tickets share the sorted set `utickets`, all at score 0, as "key NUL start NUL ticket"
-- (the user start tag: whole turns, 15 digits): in byte order by key, then start tag, then ticket, so one
-- ZRANGEBYLEX finds a key's fairest ticket. `owners` maps a ticket to its member; `ufinish` fields are
-- "key NUL user". No key id holds NUL (PostgreSQL text cannot).
local function member(k, ustart, t) return k .. '\\0' .. string.format('%015d', ustart) .. '\\0' .. t end
local channel, op = ARGV[1], ARGV[2]
local now, lease_ms, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local urls, caps = {}, {}
for i = 1, n do urls[i] = ARGV[5 + i]; caps[i] = tonumber(ARGV[5 + n + i]) end
local a = 6 + 2 * n
local ticket = ARGV[a]

-- The head `t` of the queue holds its key's turn: give it to that key's fairest ticket `u`, which swaps
-- places with `t`. Returns u and u's start tag among the key's users (nil for a ticket without an owner).
local function take_turn(t)
  local m = redis.call('HGET', owners, t)
  if not m then return t, nil, nil end
  local k = string.match(m, '^(.-)%z')
  local head = redis.call('ZRANGEBYLEX', utickets, '[' .. k .. '\\0', '+', 'LIMIT', 0, 1)
  if #head == 0 or string.sub(head[1], 1, #k + 1) ~= k .. '\\0' then return t, nil, nil end
  redis.call('ZREM', utickets, head[1])
  local u = string.sub(head[1], #k + 18)
  local score = redis.call('ZSCORE', queue, u)
  if u ~= t and score then
    redis.call('ZREM', queue, u)
    redis.call('ZADD', queue, score, t)
  end
  redis.call('HDEL', owners, u)
  return u, k, tonumber(string.sub(head[1], #k + 2, #k + 16))
end

local function dispatch()
  local granted = {}
  while true do
    local best, best_free = 0, 0
    for i = 1, n do
      redis.call('ZREMRANGEBYSCORE', KEYS[L + i], '-inf', now)
      local free = caps[i] - redis.call('ZCARD', KEYS[L + i])
      if free > best_free then best, best_free = i, free end
    end
    if best == 0 then break end
    local head = redis.call('ZPOPMIN', queue)
    if #head == 0 then break end
    local t, k, ustart = take_turn(head[1])
    local deadline = tonumber(redis.call('HGET', deadlines, t) or '0')
    redis.call('HDEL', deadlines, t)
    if deadline >= now then
      if tonumber(head[2]) > tonumber(redis.call('GET', vkey) or '0') then redis.call('SET', vkey, head[2]) end
      if k and ustart > tonumber(redis.call('HGET', uvtime, k) or '0') then redis.call('HSET', uvtime, k, tostring(ustart)) end
      redis.call('ZADD', KEYS[L + best], now + lease_ms, t)
      redis.call('PEXPIRE', KEYS[L + best], lease_ms)
      redis.call('PUBLISH', channel, t .. ' ' .. urls[best])
      granted[#granted + 1] = t
      granted[#granted + 1] = urls[best]
    end
  end
  return granted
end

if op == 'enqueue' then
  local start = math.max(tonumber(redis.call('GET', vkey) or '0'), tonumber(redis.call('HGET', finish, ARGV[a + 1]) or '0'))
  redis.call('HSET', finish, ARGV[a + 1], tostring(start + 1 / tonumber(ARGV[a + 2])))
  redis.call('ZADD', queue, start, ticket)
  redis.call('HSET', deadlines, ticket, ARGV[a + 3])
  local k, user = ARGV[a + 1], ARGV[a + 4] or ''
  local field = k .. '\\0' .. user
  local ustart = math.max(tonumber(redis.call('HGET', uvtime, k) or '0'), tonumber(redis.call('HGET', ufinish, field) or '0'))
  redis.call('HSET', ufinish, field, tostring(ustart + 1))
  local m = member(k, ustart, ticket)
  redis.call('ZADD', utickets, 0, m)
  redis.call('HSET', owners, ticket, m)
  return dispatch()
elseif op == 'release' then
  for i = 1, n do redis.call('ZREM', KEYS[L + i], ticket) end
  return dispatch()
elseif op == 'cancel' then
  if redis.call('ZREM', queue, ticket) == 1 then
    redis.call('HDEL', deadlines, ticket)
    local m = redis.call('HGET', owners, ticket)
    if m then
      redis.call('ZREM', utickets, m)
      redis.call('HDEL', owners, ticket)
    end
    return {}
  end
  for i = 1, n do redis.call('ZREM', KEYS[L + i], ticket) end
  return dispatch()
elseif op == 'status' then
  for i = 1, n do
    if redis.call('ZSCORE', KEYS[L + i], ticket) then return {ticket, urls[i]} end
  end
  return {}
elseif op == 'view' then
  local out = {redis.call('ZCARD', queue)}
  for i = 1, n do
    redis.call('ZREMRANGEBYSCORE', KEYS[L + i], '-inf', now)
    out[#out + 1] = redis.call('ZCARD', KEYS[L + i])
  end
  return out
end
return {}
"""

_counter = itertools.count()


def new_ticket() -> str:
    """Tickets sort by creation time, so equal start tags leave in arrival order."""
    return f"{time.time_ns():x}-{os.getpid():x}-{next(_counter):x}"


def _base(lane: str) -> str:
    """The prefix of a lane's keys: its name is their hash tag, so Redis Cluster puts them in one slot."""
    return "fair:{" + lane + "}:"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class SharedSlots:
    """This process's side of the shared queue: its waiters, and the leases it must renew."""

    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self._waiters: dict[str, asyncio.Future[str]] = {}
        self._held: dict[str, list[str]] = {}  # ticket -> its lease keys, renewed while the request runs
        self._renewer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._store.subscribe(CHANNEL, self._granted)

    def _granted(self, message: str) -> None:
        ticket, _, url = message.partition(" ")
        future = self._waiters.get(ticket)
        if future is not None and not future.done():
            future.set_result(url)

    @staticmethod
    def _keys(lane: str, urls: Sequence[str]) -> list[str]:
        base = _base(lane)
        return [base + "queue", base + "deadline", base + "finish", base + "vtime", base + "owners", base + "uvtime",
                base + "utickets", base + "ufinish", *(base + "lease:" + u for u in urls)]

    async def _run(self, lane: str, urls: Sequence[str], caps: Sequence[int], op: str, ticket: str, *extra: Any) -> list[Any]:
        now_ms = int(time.time() * 1000)
        args: list[str | int | float] = [CHANNEL, op, now_ms, int(LEASE_S * 1000), len(urls), *urls, *caps, ticket, *extra]
        # A waiter cancelled mid-call (its client left) must not be cancelled inside the Redis client, which
        # can lose the cancellation: the call runs to its end (so a later cancel sees its effect), then the
        # cancellation goes on.
        call = asyncio.ensure_future(self._store.run_script(_SCRIPT, self._keys(lane, urls), args))
        try:
            return list(await asyncio.shield(call))
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await call
            raise

    def _deliver(self, granted: list[Any]) -> None:
        for i in range(0, len(granted), 2):
            self._granted(f"{_text(granted[i])} {_text(granted[i + 1])}")

    async def acquire(self, lane: str, urls: Sequence[str], caps: Sequence[int], key_id: str, weight: int,
                      wait_s: float, user_id: str = "") -> tuple[str, str] | None:
        """(url, ticket) once a slot is ours, shared fairly across keys and across `key_id`'s users; None if
        none came within `wait_s` (the ticket is withdrawn)."""
        ticket = new_ticket()
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters[ticket] = future
        deadline_ms = int((time.time() + wait_s) * 1000)
        try:
            self._deliver(await self._run(lane, urls, caps, "enqueue", ticket, key_id, max(1, weight), deadline_ms,
                                              user_id))
            give_up = time.monotonic() + wait_s
            while not future.done():
                left = give_up - time.monotonic()
                if left <= 0:
                    break
                # asyncio.wait, not wait_for: on 3.11 wait_for can swallow a cancel that lands with its timeout.
                await asyncio.wait((future,), timeout=min(POLL_S, left))
                if not future.done():  # a lost message must not strand a granted ticket
                    self._deliver(await self._run(lane, urls, caps, "status", ticket))
            if future.done():
                self._hold(lane, ticket, future.result())
                return future.result(), ticket
            await self._cancel(lane, urls, caps, ticket)
            return None
        except BaseException:
            await asyncio.shield(self._cancel(lane, urls, caps, ticket))
            raise
        finally:
            self._waiters.pop(ticket, None)

    async def _cancel(self, lane: str, urls: Sequence[str], caps: Sequence[int], ticket: str) -> None:
        """Withdraw a ticket, or give back the slot it was granted meanwhile."""
        self._held.pop(ticket, None)
        try:
            self._deliver(await self._run(lane, urls, caps, "cancel", ticket))
        except Exception:  # its deadline or lease expires on its own
            log.exception("could not withdraw ticket %s", ticket)

    async def release(self, lane: str, urls: Sequence[str], caps: Sequence[int], ticket: str) -> None:
        """Give the slot back; the script hands it to the fairest waiter of any process."""
        self._held.pop(ticket, None)
        try:
            self._deliver(await self._run(lane, urls, caps, "release", ticket))
        except Exception:
            log.exception("could not release slot ticket %s (its lease expires in %g s)", ticket, LEASE_S)

    async def view(self, lane: str, urls: Sequence[str], caps: Sequence[int]) -> tuple[int, list[int]]:
        """(requests waiting in every process, leases held per deployment)."""
        out = await self._run(lane, urls, caps, "view", "-")
        return int(out[0]), [int(v) for v in out[1:]]

    def _hold(self, lane: str, ticket: str, url: str) -> None:
        self._held[ticket] = [_base(lane) + "lease:" + url]
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew(), name="slot-lease-renewer")

    async def _renew(self) -> None:
        while self._held:
            await asyncio.sleep(LEASE_S / 3)
            held = [(key, ticket) for ticket, keys in self._held.items() for key in keys]
            with contextlib.suppress(Exception):
                await self._store.renew(held, LEASE_S)
