"""What the durable event log costs: the recorder with its fsynced log vs batched inserts straight from memory.

Run: .venv/bin/python -m bench.event_durability [--events 3000 --rate 1000]
Needs PostgreSQL on 127.0.0.1:5432 (as the tests do). Both modes run in this process, one after the other,
on the same fresh database, with events arriving at --rate per second as a gateway's requests end. Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from common.columns import new_id
from common.db import make_engine
from gateway.event import ProxyEvent
from gateway.events import EventRecorder, write_rows
from gateway.migrate import upgrade
from tests.support import create_database, drop_database

INTERVAL_S = 0.1
BATCH = 200


def event() -> ProxyEvent:
    return ProxyEvent(id=new_id(), created_at=time.time(), key_id="bench-key", provider="llama-cpp-root", model="m",
                      path="/v1/chat/completions", method="POST", status=200, latency_in_ms=12.5,
                      prompt_token_count=20, completion_token_count=100, upstream="http://127.0.0.1:5002")


class MemoryBatches:
    """The baseline: events wait in memory and are inserted in batches every interval (no local log)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pending: list[dict[str, Any]] = []

    def record(self, ev: ProxyEvent) -> None:
        self.pending.append(ev.row())

    async def run(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        for start in range(0, len(batch), BATCH):
            await asyncio.to_thread(write_rows, self.engine, batch[start : start + BATCH])


async def drive(record: Callable[[ProxyEvent], None], events: int, rate: float) -> tuple[list[float], list[float]]:
    """Record `events` at `rate`/s; the time each record() took (µs) and how late the loop woke (ms)."""
    calls, lags = [], []
    tick = 1.0 / rate * 10
    for _ in range(0, events, 10):
        for _burst in range(10):
            ev = event()
            start = time.perf_counter()
            record(ev)
            calls.append((time.perf_counter() - start) * 1e6)
        before = time.perf_counter()
        await asyncio.sleep(tick)
        lags.append(max(0.0, (time.perf_counter() - before - tick) * 1000))
    return calls, lags


async def measure(mode: str, engine: Engine, events: int, rate: float, spool: Path) -> dict[str, float]:
    fsyncs = [0]
    real_fsync = os.fsync

    def counting_fsync(fd: Any) -> None:
        fsyncs[0] += 1
        real_fsync(fd)

    os.fsync = counting_fsync
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        if mode == "memory batches (before)":
            baseline = MemoryBatches(engine)
            task = asyncio.create_task(baseline.run())
            calls, lags = await drive(baseline.record, events, rate)
            task.cancel()
            await baseline.flush()
        else:
            recorder = EventRecorder(engine, str(spool), BATCH, INTERVAL_S, 10_000)
            recorder.start()
            calls, lags = await drive(recorder.record, events, rate)
            await recorder.stop()
    finally:
        os.fsync = real_fsync
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu_us": cpu / events * 1e6, "record_p50": statistics.median(calls),
        "record_p99": sorted(calls)[int(0.99 * len(calls))], "lag_p50": statistics.median(lags),
        "lag_p99": sorted(lags)[int(0.99 * len(lags))], "fsyncs": float(fsyncs[0]), "wall": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args()
    database = create_database()
    engine = make_engine(database)
    upgrade(engine)
    try:
        results: dict[str, list[dict[str, float]]] = {}
        for mode in ("memory batches (before)", "fsynced log + batches", "memory batches (before)", "fsynced log + batches"):
            spool = Path(tempfile.mkdtemp(prefix="bench-spool-"))
            results.setdefault(mode, []).append(asyncio.run(measure(mode, engine, args.events, args.rate, spool)))
        print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"{args.events} events at {args.rate:.0f}/s per run, two runs per mode (interleaved), PostgreSQL, "
              f"interval {INTERVAL_S * 1000:.0f} ms; values are the mean of the runs\n")
        head = ("mode", "CPU µs/event", "CPU ratio", "record() p50 µs", "record() p99 µs", "loop lag p50 ms",
                "loop lag p99 ms", "fsyncs", "events per fsync")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        base_cpu = statistics.mean(r["cpu_us"] for r in results["memory batches (before)"])
        for mode, runs in results.items():
            avg = {k: statistics.mean(r[k] for r in runs) for k in runs[0]}
            per_fsync = f"{args.events / avg['fsyncs']:.0f}" if avg["fsyncs"] else "-"
            print(f"| {mode} | {avg['cpu_us']:.1f} | {avg['cpu_us'] / base_cpu:.2f} | {avg['record_p50']:.2f} | "
                  f"{avg['record_p99']:.2f} | {avg['lag_p50']:.2f} | {avg['lag_p99']:.2f} | {avg['fsyncs']:.0f} | {per_fsync} |")
    finally:
        engine.dispose()
        drop_database(database)


if __name__ == "__main__":
    main()
