"""Shared fast state (rate windows, spend counters, cache, invalidation): Redis, or in-process."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, cast

log = logging.getLogger("gateway.store")

Listener = Callable[[str], Awaitable[None] | None]

SIGNAL_POLL_S = 0.25

# One round trip, atomic on the server: count a request in its window (KEYS[1], expiring once)
# when ARGV[2] is 1, and read the other keys.
_COUNT_AND_READ = """
local out = {0}
local first = 1
if ARGV[2] == '1' then
  out[1] = redis.call('INCR', KEYS[1])
  if out[1] == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  first = 2
end
for i = first, #KEYS do out[#out + 1] = redis.call('GET', KEYS[i]) end
return out
"""

# Add ARGV[1] to each key that exists; 1 where added, 0 where the key is missing.
_INCR_EXISTING = """
local out = {}
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('INCRBYFLOAT', KEYS[i], ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"""

# A lease set (KEYS[1], ticket -> expiry ms): drop expired leases, then add ARGV[1] if fewer than
# ARGV[2] remain. Returns {1 if granted, leases held after}.
_LEASE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[2]) then return {0, n} end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return {1, n + 1}
"""

# Reserve ARGV[1] on the counter KEYS[1] unless that takes it past ARGV[2]; the counter expires
# with its window (ARGV[3] ms). Returns {1 if reserved, the counter after}.
_RESERVE = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if cur + amount > tonumber(ARGV[2]) then return {0, cur} end
local total = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, total}
"""


class Store(Protocol):
    async def count_and_read(self, counter: str | None, ttl_s: float, keys: list[str]) -> tuple[int, list[bytes | None]]: ...
    async def incr_existing(self, keys: list[str], amount: float) -> list[bool]: ...
    async def incr_float(self, key: str, amount: float, ttl_s: float | None = None) -> float: ...
    async def get(self, key: str) -> bytes | None: ...
    async def lease(self, key: str, ticket: str, limit: int, ttl_s: float) -> tuple[bool, int]: ...
    async def unlease(self, key: str, ticket: str) -> None: ...
    async def leases(self, key: str) -> int: ...
    async def renew(self, held: list[tuple[str, str]], ttl_s: float) -> None: ...
    async def reserve(self, key: str, amount: int, limit: int, ttl_s: float) -> tuple[bool, int]: ...
    async def set(self, key: str, value: bytes, ttl_s: float | None = None, only_if_absent: bool = False) -> bool: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def subscribe(self, channel: str, listener: Listener) -> None: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class LocalStore:
    """In-process store with expiries, for one gateway process without Redis. With a `signal_dir`,
    published messages also reach the processes of this machine that use the same directory (the admin
    and the proxy run apart): a stamp file per channel, polled every SIGNAL_POLL_S."""

    def __init__(self, signal_dir: Path | None = None) -> None:
        self._data: dict[str, tuple[object, float | None]] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._signal_dir = signal_dir
        self._stamps: dict[str, int] = {}
        self._poller: asyncio.Task[None] | None = None

    def _live(self, key: str) -> object | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    def _expiry(self, ttl_s: float | None) -> float | None:
        return None if ttl_s is None else time.monotonic() + ttl_s

    async def count_and_read(self, counter: str | None, ttl_s: float, keys: list[str]) -> tuple[int, list[bytes | None]]:
        count = 0
        if counter is not None:
            current = self._live(counter)
            count = 1 if current is None else int(current) + 1  # type: ignore[call-overload]
            self._data[counter] = (count, self._expiry(ttl_s) if current is None else self._data[counter][1])
        return count, [await self.get(k) for k in keys]

    async def incr_existing(self, keys: list[str], amount: float) -> list[bool]:
        present = [self._live(k) is not None for k in keys]
        for key, here in zip(keys, present, strict=False):
            if here:
                await self.incr_float(key, amount)
        return present

    async def incr_float(self, key: str, amount: float, ttl_s: float | None = None) -> float:
        current = self._live(key)
        if current is None:
            self._data[key] = (amount, self._expiry(ttl_s))
            return amount
        total = float(current) + amount  # type: ignore[arg-type]
        self._data[key] = (total, self._data[key][1])
        return total

    async def get(self, key: str) -> bytes | None:
        value = self._live(key)
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    def _lease_set(self, key: str) -> dict[str, float]:
        now = time.monotonic()
        held = self._live(key)
        if not isinstance(held, dict):
            held = {}
            self._data[key] = (held, None)
        for ticket in [t for t, until in held.items() if until <= now]:
            del held[ticket]
        return held

    async def lease(self, key: str, ticket: str, limit: int, ttl_s: float) -> tuple[bool, int]:
        held = self._lease_set(key)
        if len(held) >= limit:
            return False, len(held)
        held[ticket] = time.monotonic() + ttl_s
        return True, len(held)

    async def unlease(self, key: str, ticket: str) -> None:
        self._lease_set(key).pop(ticket, None)

    async def leases(self, key: str) -> int:
        return len(self._lease_set(key))

    async def renew(self, held: list[tuple[str, str]], ttl_s: float) -> None:
        for key, ticket in held:
            leases = self._lease_set(key)
            if ticket in leases:
                leases[ticket] = time.monotonic() + ttl_s

    async def reserve(self, key: str, amount: int, limit: int, ttl_s: float) -> tuple[bool, int]:
        current = int(float(self._live(key) or 0))  # type: ignore[arg-type]
        if current + amount > limit:
            return False, current
        return True, int(await self.incr_float(key, amount, ttl_s))

    async def set(self, key: str, value: bytes, ttl_s: float | None = None, only_if_absent: bool = False) -> bool:
        if only_if_absent and self._live(key) is not None:
            return False
        self._data[key] = (value, self._expiry(ttl_s))
        return True

    async def publish(self, channel: str, message: str) -> None:
        await self._deliver(channel, message)
        if self._signal_dir is not None:
            self._signal_dir.mkdir(parents=True, exist_ok=True)
            (self._signal_dir / channel).write_text(message)

    async def _deliver(self, channel: str, message: str) -> None:
        for listener in self._listeners.get(channel, []):
            result = listener(message)
            if asyncio.iscoroutine(result):
                await result

    async def subscribe(self, channel: str, listener: Listener) -> None:
        self._listeners.setdefault(channel, []).append(listener)
        if self._signal_dir is not None:
            self._stamps.setdefault(channel, self._stamp(channel))
            self._poller = self._poller or asyncio.create_task(self._poll(), name="store-signals")

    def _stamp(self, channel: str) -> int:
        assert self._signal_dir is not None
        try:
            return (self._signal_dir / channel).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    async def _poll(self) -> None:
        """Deliver "" (everything changed) when another process touched a channel's stamp file."""
        while True:
            await asyncio.sleep(SIGNAL_POLL_S)
            for channel, seen in list(self._stamps.items()):
                stamp = self._stamp(channel)
                if stamp != seen:
                    self._stamps[channel] = stamp
                    await self._deliver(channel, "")

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        self._data.clear()


class RedisStore:
    """Redis-backed store shared by every gateway process; all keys carry `prefix`."""

    def __init__(self, url: str, prefix: str = "dictachat:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, health_check_interval=30)
        # Subscriptions sit idle for long stretches: their connection must not time out reads.
        self._listener = redis.from_url(url, socket_connect_timeout=2, socket_timeout=None, health_check_interval=30)
        self._prefix = prefix
        self._count_and_read = self._redis.register_script(_COUNT_AND_READ)
        self._incr_existing = self._redis.register_script(_INCR_EXISTING)
        self._lease = self._redis.register_script(_LEASE)
        self._reserve = self._redis.register_script(_RESERVE)
        self._scripts: dict[str, Any] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def run_script(self, script: str, keys: list[str], args: list[str | int | float]) -> Any:
        """Run a Lua script atomically; `keys` get this store's prefix (so does ARGV[1], a channel name)."""
        runner = self._scripts.get(script)
        if runner is None:
            runner = self._scripts[script] = self._redis.register_script(script)
        return await runner(keys=[self._k(k) for k in keys], args=[self._k(str(args[0])), *args[1:]])

    async def count_and_read(self, counter: str | None, ttl_s: float, keys: list[str]) -> tuple[int, list[bytes | None]]:
        names = ([self._k(counter)] if counter is not None else []) + [self._k(k) for k in keys]
        out = await self._count_and_read(keys=names, args=[max(1, int(ttl_s * 1000)), "1" if counter is not None else "0"])
        return int(out[0]), list(out[1:])

    async def incr_existing(self, keys: list[str], amount: float) -> list[bool]:
        if not keys:
            return []
        return [bool(v) for v in await self._incr_existing(keys=[self._k(k) for k in keys], args=[repr(amount)])]

    async def incr_float(self, key: str, amount: float, ttl_s: float | None = None) -> float:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrbyfloat(self._k(key), amount)
            if ttl_s is not None:
                pipe.expire(self._k(key), max(1, int(ttl_s)), nx=True)
            result = await pipe.execute()
        return float(result[0])

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._redis.get(self._k(key))
        return value

    async def lease(self, key: str, ticket: str, limit: int, ttl_s: float) -> tuple[bool, int]:
        now_ms = int(time.time() * 1000)
        out = await self._lease(keys=[self._k(key)], args=[ticket, limit, now_ms, now_ms + max(1, int(ttl_s * 1000))])
        return bool(out[0]), int(out[1])

    async def unlease(self, key: str, ticket: str) -> None:
        await self._redis.zrem(self._k(key), ticket)

    async def leases(self, key: str) -> int:
        return int(await self._redis.zcount(self._k(key), int(time.time() * 1000), "+inf"))

    async def renew(self, held: list[tuple[str, str]], ttl_s: float) -> None:
        until = int((time.time() + ttl_s) * 1000)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, ticket in held:
                pipe.zadd(self._k(key), {ticket: until}, xx=True)
                pipe.pexpireat(self._k(key), until)
            await pipe.execute()

    async def reserve(self, key: str, amount: int, limit: int, ttl_s: float) -> tuple[bool, int]:
        out = await self._reserve(keys=[self._k(key)], args=[amount, limit, max(1, int(ttl_s * 1000))])
        return bool(out[0]), int(out[1])

    async def set(self, key: str, value: bytes, ttl_s: float | None = None, only_if_absent: bool = False) -> bool:
        px = None if ttl_s is None else max(1, int(ttl_s * 1000))
        return bool(await self._redis.set(self._k(key), value, px=px, nx=only_if_absent))

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(self._k(channel), message)

    async def subscribe(self, channel: str, listener: Listener) -> None:
        self._tasks.append(asyncio.create_task(self._listen(self._k(channel), listener)))

    async def _listen(self, channel: str, listener: Listener) -> None:
        while True:
            try:
                pubsub = self._listener.pubsub()
                await pubsub.subscribe(channel)
                async for msg in pubsub.listen():
                    if msg.get("type") == "message":
                        data = msg["data"]
                        result = listener(data.decode() if isinstance(data, bytes) else str(data))
                        if asyncio.iscoroutine(result):
                            await result
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: retry quietly, local caches expire on their own.
                log.warning("redis subscription lost (%s); retrying", exc)
                await asyncio.sleep(1)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())  # type: ignore[misc]  # redis-py types ping() as maybe-sync
        except Exception:
            return False

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self._redis.aclose()
        await self._listener.aclose()


class FallbackStore:
    """Uses Redis, and a local store while Redis is unreachable, so the gateway keeps serving."""

    def __init__(self, primary: RedisStore) -> None:
        self.primary = primary
        self.local = LocalStore()
        self.degraded_until = 0.0

    async def _call(self, name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if time.monotonic() >= self.degraded_until:
            try:
                return await getattr(self.primary, name)(*args, **kwargs)
            except (ConnectionError, OSError, TimeoutError) as exc:
                self._degrade(exc)
            except Exception as exc:
                if exc.__class__.__module__.startswith("redis"):
                    self._degrade(exc)
                else:
                    raise
        return await getattr(self.local, name)(*args, **kwargs)

    def _degrade(self, exc: Exception) -> None:
        log.warning("redis unavailable (%s): using in-process limits and cache for 5 s", exc)
        self.degraded_until = time.monotonic() + 5.0

    async def count_and_read(self, counter: str | None, ttl_s: float, keys: list[str]) -> tuple[int, list[bytes | None]]:
        return cast("tuple[int, list[bytes | None]]", await self._call("count_and_read", counter, ttl_s, keys))

    async def incr_existing(self, keys: list[str], amount: float) -> list[bool]:
        return cast("list[bool]", await self._call("incr_existing", keys, amount))

    async def incr_float(self, key: str, amount: float, ttl_s: float | None = None) -> float:
        return cast("float", await self._call("incr_float", key, amount, ttl_s))

    async def get(self, key: str) -> bytes | None:
        return cast("bytes | None", await self._call("get", key))

    async def lease(self, key: str, ticket: str, limit: int, ttl_s: float) -> tuple[bool, int]:
        return cast("tuple[bool, int]", await self._call("lease", key, ticket, limit, ttl_s))

    async def unlease(self, key: str, ticket: str) -> None:
        await self._call("unlease", key, ticket)

    async def leases(self, key: str) -> int:
        return cast("int", await self._call("leases", key))

    async def renew(self, held: list[tuple[str, str]], ttl_s: float) -> None:
        await self._call("renew", held, ttl_s)

    async def reserve(self, key: str, amount: int, limit: int, ttl_s: float) -> tuple[bool, int]:
        return cast("tuple[bool, int]", await self._call("reserve", key, amount, limit, ttl_s))

    async def set(self, key: str, value: bytes, ttl_s: float | None = None, only_if_absent: bool = False) -> bool:
        return cast("bool", await self._call("set", key, value, ttl_s, only_if_absent))

    async def publish(self, channel: str, message: str) -> None:
        await self.local.publish(channel, message)
        await self._call("publish", channel, message)

    async def subscribe(self, channel: str, listener: Listener) -> None:
        await self.local.subscribe(channel, listener)
        await self.primary.subscribe(channel, listener)

    async def ping(self) -> bool:
        return await self.primary.ping()

    async def close(self) -> None:
        await self.primary.close()


def make_store(redis_url: str, prefix: str = "dictachat:", signal_dir: Path | None = None) -> Store:
    """Redis (with in-process fallback) when `redis_url` is set, else in-process (messages reach the
    other processes of this machine through stamp files in `signal_dir`)."""
    if not redis_url:
        return LocalStore(signal_dir)
    return FallbackStore(RedisStore(redis_url, prefix))
