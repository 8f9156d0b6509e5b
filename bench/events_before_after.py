"""Whole requests through the gateway as it is and as it was at a git revision (default `main`), in one run.

Run: .venv/bin/python -m bench.events_before_after [--before main --requests 300 --rounds 3]
Exports the revision with `git archive` into a temporary directory, starts one gateway from each tree
(same PostgreSQL server, Redis and scripted upstream), and alternates rounds between them so load from
elsewhere on the machine hits both alike. Prints latency and gateway CPU per request, and their ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.gateway_overhead import cpu_seconds, load
from tests.support import REDIS_URL, ROOT, Gateway, create_database, drop_database, start_gateway, start_upstream

CASES = [(False, 100, 1), (False, 100, 16), (True, 100, 1)]


def export(revision: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="bench-before-"))
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def measure(gw: Gateway, key: str, stream: bool, chunks: int, conc: int, requests: int) -> tuple[list[float], float]:
    """Latencies (ms) of `requests` requests and the gateway's CPU ms per request."""
    assert gw.child.proc is not None
    before = cpu_seconds(gw.child.proc.pid)
    run = asyncio.run(load(gw.proxy_url, key, stream, chunks, conc, requests))
    return run.latencies_ms, (cpu_seconds(gw.child.proc.pid) - before) * 1000 / requests


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default="main", help="git revision to compare against")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    upstream = start_upstream(logs, "bench")
    databases = [create_database(), create_database()]
    old_tree = export(args.before)
    gateways: dict[str, Gateway] = {}
    try:
        gateways[args.before] = start_gateway(logs, databases[0], upstream.url, REDIS_URL, "bench-before:", code=old_tree,
                                              PYTHONPATH=str(old_tree), EVENT_FLUSH_INTERVAL_S="0.1")
        gateways["this tree"] = start_gateway(logs, databases[1], upstream.url, REDIS_URL, "bench-now:",
                                              EVENT_FLUSH_INTERVAL_S="0.1")
        keys = {name: gw.create_key(name="bench", rateLimitOverTime=10**9, rateLimitUnit="m")["key"]
                for name, gw in gateways.items()}
        print(f"\n{args.requests} requests per round, {args.rounds} rounds per case, alternating; "
              f"'{args.before}' vs this tree; events on PostgreSQL, limits on Redis\n")
        head = ("mode", "chunks", "conc", f"p50 {args.before}", "p50 now", f"p99 {args.before}", "p99 now",
                f"CPU ms/req {args.before}", "CPU ms/req now", "CPU ratio")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for stream, chunks, conc in CASES:
            latencies: dict[str, list[float]] = {name: [] for name in gateways}
            cpu: dict[str, list[float]] = {name: [] for name in gateways}
            for name, gw in gateways.items():  # warm-up
                asyncio.run(load(gw.proxy_url, keys[name], stream, chunks, conc, 30))
            for _ in range(args.rounds):
                for name, gw in gateways.items():
                    lat, cpu_ms = measure(gw, keys[name], stream, chunks, conc, args.requests)
                    latencies[name] += lat
                    cpu[name].append(cpu_ms)
            old, new = args.before, "this tree"

            cpu_old, cpu_new = statistics.mean(cpu[old]), statistics.mean(cpu[new])
            row = ("stream" if stream else "non-stream", chunks, conc, pct(latencies[old], 0.5), pct(latencies[new], 0.5),
                   pct(latencies[old], 0.99), pct(latencies[new], 0.99), cpu_old, cpu_new, cpu_new / cpu_old)
            print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |")
    finally:
        for gw in gateways.values():
            gw.child.stop()
        upstream.child.stop()
        for url in databases:
            drop_database(url)


if __name__ == "__main__":
    main()
