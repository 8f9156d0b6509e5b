"""Fair share of a 2-slot model: a heavy key with 12 streams open and a light key asking one question at a time.

The upstream is the scripted llama-server stand-in (2 slots, first come first served, ~1 s per answer).
The same load runs through a gateway with the scheduler off (today's pass-through) and on, and then
through two scheduling gateways sharing the upstream (heavy spread over both, light on one), each of
which admits up to the slot count on its own.

Run: .venv/bin/python -m bench.fair_share [--seconds 20]
Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (as the tests do). Prints tables.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.gateway_overhead import cpu_seconds, print_table
from gateway.config import Provider
from gateway.models import Key
from gateway.scheduler import Scheduler
from gateway.slots import SlotDirectory
from tests.support import REDIS_URL, Gateway, create_database, drop_database, start_gateway, start_upstream

SLOTS = 2
ANSWER_S = 1.0
HEAVY_STREAMS = 12


@dataclass
class Phase:
    light_ttft_ms: list[float] = field(default_factory=list)
    heavy_done: int = 0
    light_done: int = 0
    answer_s: list[float] = field(default_factory=list)

    def pct(self, q: float) -> float:
        data = sorted(self.light_ttft_ms)
        return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")


async def one(session: aiohttp.ClientSession, url: str, key: str, text: str) -> tuple[float, float]:
    """Stream one answer; (time to first byte, total) in seconds."""
    body = {"stream": True, "messages": [{"role": "user", "content": f"[pace:{ANSWER_S}] {text}"}]}
    start = time.perf_counter()
    first = 0.0
    async with session.post(url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}) as resp:
        assert resp.status == 200, await resp.text()
        async for _ in resp.content.iter_any():
            if not first:
                first = time.perf_counter() - start
    return first, time.perf_counter() - start


async def light_alone(url: str, key: str, count: int) -> Phase:
    phase = Phase()
    async with aiohttp.ClientSession() as session:
        for i in range(count):
            ttft, total = await one(session, url, key, f"light idle {i}")
            phase.light_ttft_ms.append(ttft * 1000)
            phase.answer_s.append(total)
    return phase


async def under_load(heavy_urls: list[str], light_url: str, heavy: str, light: str, seconds: float) -> Phase:
    """12 heavy streams (spread over `heavy_urls`) kept open for `seconds`; meanwhile the light key asks
    one question at a time."""
    phase = Phase()
    stop = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        async def heavy_worker(n: int) -> None:
            i = 0
            while time.monotonic() < stop:
                await one(session, heavy_urls[n % len(heavy_urls)], heavy, f"heavy {n}.{i}")
                if time.monotonic() <= stop:
                    phase.heavy_done += 1
                i += 1

        async def light_worker() -> None:
            await asyncio.sleep(2 * ANSWER_S)  # let the heavy key's backlog build first
            i = 0
            while time.monotonic() < stop:
                ttft, _ = await one(session, light_url, light, f"light {i}")
                phase.light_ttft_ms.append(ttft * 1000)
                if time.monotonic() <= stop:
                    phase.light_done += 1
                await asyncio.sleep(0.2)
                i += 1

        await asyncio.gather(light_worker(), *(heavy_worker(n) for n in range(HEAVY_STREAMS)))
    return phase


def scheduler_cpu_per_request(requests: int = 20000) -> float:
    """CPU (ms) of the scheduler alone per request: acquire (mostly queued, 3 keys) + release, in process."""

    async def run() -> float:
        async with aiohttp.ClientSession() as session:
            provider = Provider(name="p", urls=("http://x",), max_parallel=SLOTS)
            scheduler = Scheduler(SlotDirectory(session, 30), default_wait_s=60)
            keys = [Key(key_id=f"k{i}", key_hash=f"h{i}", priority=1 + i % 2) for i in range(3)]
            done = 0

            async def client(n: int) -> None:
                nonlocal done
                while done < requests:
                    grant = await scheduler.acquire(provider, keys[n % 3])
                    assert grant is not None
                    await asyncio.sleep(0)
                    scheduler.release(grant)
                    done += 1

            start = time.process_time()
            await asyncio.gather(*(client(n) for n in range(16)))
            return (time.process_time() - start) * 1000 / done

    # The loop's own cost (tasks, sleep(0)) is measured without the scheduler and taken off.
    async def baseline() -> float:
        done = 0

        async def client() -> None:
            nonlocal done
            while done < requests:
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                done += 1

        start = time.process_time()
        await asyncio.gather(*(client() for _ in range(16)))
        return (time.process_time() - start) * 1000 / done

    return asyncio.run(run()) - asyncio.run(baseline())


def row(name: str, idle: Phase, loaded: Phase, seconds: float, cpu_ms: float, queued: int) -> tuple[object, ...]:
    answer = sum(idle.answer_s) / len(idle.answer_s)
    capacity = SLOTS * seconds / answer
    busy = (loaded.heavy_done + loaded.light_done) / capacity
    return (name, idle.pct(0.5), idle.pct(0.95), loaded.pct(0.5), loaded.pct(0.95), loaded.pct(0.95) / (answer * 1000),
            len(loaded.light_ttft_ms), loaded.heavy_done, round(capacity, 1), 100 * busy, queued, cpu_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each loaded phase")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="bench-fair-"))
    upstream = start_upstream(logs, "bench-slots", slots=SLOTS)
    database = create_database()
    started: list[Gateway] = []

    def gateway(scheduler: bool, prefix: str) -> Gateway:
        gw = start_gateway(logs, database, upstream.url, REDIS_URL, prefix, SCHEDULER_ENABLED=str(scheduler).lower())
        started.append(gw)
        return gw

    try:
        off, on = gateway(False, "bench-off:"), gateway(True, "bench-on:")
        on_b = gateway(True, "bench-on:")
        heavy = off.create_key(name="heavy")["key"]
        light = off.create_key(name="light")["key"]
        rows = []
        for name, heavy_gws, light_gw in (("scheduler off", [off], off), ("scheduler on", [on], on),
                                          ("on, 2 gateways", [on, on_b], on_b)):
            asyncio.run(light_alone(light_gw.proxy_url, light, 1))  # warm-up (key caches, slot discovery)
            idle = asyncio.run(light_alone(light_gw.proxy_url, light, 5))
            upstream.reset()
            pids = {gw.child.proc.pid for gw in (*heavy_gws, light_gw) if gw.child.proc}
            before = sum(cpu_seconds(p) for p in pids)
            loaded = asyncio.run(under_load([g.proxy_url for g in heavy_gws], light_gw.proxy_url, heavy, light, args.seconds))
            cpu_ms = (sum(cpu_seconds(p) for p in pids) - before) * 1000 / max(1, loaded.heavy_done + loaded.light_done)
            rows.append(row(name, idle, loaded, args.seconds, cpu_ms, upstream.stats()["peak_waiting"]))
        sched_ms = scheduler_cpu_per_request()
        print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"upstream: {SLOTS} slots FIFO, ~{ANSWER_S:g} s per answer; heavy key {HEAVY_STREAMS} streams; "
              f"{args.seconds:g} s under load per mode\n")
        head = ("mode", "light TTFT p50 idle ms", "p95 idle ms", "p50 loaded ms", "p95 loaded ms", "p95 / answer",
                "light answers", "heavy done", "slot capacity", "slots busy %", "max queued upstream", "gw CPU ms/req")
        print_table(head, rows)
        print(f"\nscheduler alone (acquire + release, 16 clients, 3 keys, 2 slots): {sched_ms * 1000:.1f} µs CPU per request")
    finally:
        for gw in started:
            gw.child.stop()
        upstream.child.stop()
        drop_database(database)


if __name__ == "__main__":
    main()
