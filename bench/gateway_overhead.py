"""What the gateway adds: the scripted upstream hit directly and through the gateway (auth, limits, events on).

Run: .venv/bin/python -m bench.gateway_overhead [--requests 400]
Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (as the tests do). Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.support import REDIS_URL, create_database, drop_database, start_gateway, start_upstream


@dataclass
class Run:
    latencies_ms: list[float]
    wall_s: float

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


def print_table(head: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> None:
    """A Markdown table; floats with two decimals."""
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def load(url: str, key: str, stream: bool, chunks: int, concurrency: int, total: int) -> Run:
    body = {"model": "m", "stream": stream, "messages": [{"role": "user", "content": f"bench [chunks:{chunks}]"}]}
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    queue = list(range(total))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def worker() -> None:
            while queue:
                queue.pop()
                start = time.perf_counter()
                async with session.post(url + "/v1/chat/completions", json=body, headers=headers) as resp:
                    async for _ in resp.content.iter_any():
                        pass
                    assert resp.status == 200, resp.status
                latencies.append((time.perf_counter() - start) * 1000)
        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Run(latencies, time.perf_counter() - begin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    upstream = start_upstream(logs, "bench")
    database = create_database()
    gateway = start_gateway(logs, database, upstream.url, REDIS_URL, "bench:")
    try:
        key = gateway.create_key(name="bench", rateLimitOverTime=10**9, rateLimitUnit="m", costLimitInUsd=10**6)["key"]
        assert gateway.child.proc is not None, "the gateway process did not start"
        pid = gateway.child.proc.pid
        rows = []
        cpu_by_case: dict[tuple[bool, int, int], float] = {}
        cases = [(False, 100, 1), (False, 100, 16), (True, 100, 1), (True, 100, 16), (True, 10, 1)]
        for stream, chunks, conc in cases:
            asyncio.run(load(gateway.proxy_url, key, stream, chunks, conc, 20))  # warm-up
            direct = asyncio.run(load(upstream.url, key, stream, chunks, conc, args.requests))
            before = cpu_seconds(pid)
            through = asyncio.run(load(gateway.proxy_url, key, stream, chunks, conc, args.requests))
            cpu_ms = (cpu_seconds(pid) - before) * 1000 / args.requests
            cpu_by_case[(stream, chunks, conc)] = cpu_ms
            rows.append((
                "stream" if stream else "non-stream", chunks, conc,
                direct.pct(0.5), through.pct(0.5), through.pct(0.5) - direct.pct(0.5),
                direct.pct(0.99), through.pct(0.99), through.pct(0.99) - direct.pct(0.99),
                args.requests / direct.wall_s, args.requests / through.wall_s,
                (args.requests / through.wall_s) / (args.requests / direct.wall_s), cpu_ms,
            ))
        per_chunk = (cpu_by_case[(True, 100, 1)] - cpu_by_case[(True, 10, 1)]) / 90
        print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"requests per case: {args.requests}; gateway with PostgreSQL events + Redis limits; RSS {rss_mb(pid):.0f} MB\n")
        head = ("mode", "chunks", "conc", "p50 direct", "p50 gw", "p50 added", "p99 direct", "p99 gw", "p99 added",
                "rps direct", "rps gw", "rps ratio", "gw CPU ms/req")
        print_table(head, rows)
        print(f"\ngateway CPU per extra stream chunk: {per_chunk:.4f} ms (from 100- vs 10-chunk streams at c=1)")
    finally:
        gateway.child.stop()
        upstream.child.stop()
        drop_database(database)


if __name__ == "__main__":
    main()
