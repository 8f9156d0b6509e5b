"""Reporting at scale: bulk-load synthetic events over 30 days into PostgreSQL, then time the admin calls
while the proxy serves traffic, and the proxy's latency while each admin call runs.

Run: .venv/bin/python -m bench.reporting_scale [--events 1000000]
Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (as the tests do). Prints a table.
Baselines from the same run: the proxy idle (no admin call), the first events page, and the 30-day
overview computed by one GROUP BY over the raw events (what a report costs without rollups).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import psycopg

from bench.gateway_overhead import rss_mb
from common.db import make_engine
from gateway import rollups
from gateway.migrate import upgrade
from tests.support import REDIS_URL, create_database, drop_database, start_gateway, start_upstream

DAY = 86_400
MODELS = ["dictalm", "smollm", "gpt-4o-mini"]


def bulk_load(url: str, n: int, keys: list[str], now: float) -> tuple[float, float]:
    """COPY `n` events spread over the last 30 days, then build their rollups; (load s, rollup s)."""
    rng = random.Random(1)
    tags = [json.dumps(sorted(rng.sample(["team-a", "team-b", "prod"], rng.randint(0, 2)))) for _ in keys]
    started = time.perf_counter()
    columns = ("id, created_at, key_id, tags, provider, model, path, method, route_id, status, stream, "
               "prompt_token_count, completion_token_count, cost_in_usd, latency_in_ms, cache_hit, upstream, "
               "error, custom_id")
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:
            for _ in range(n):
                k = rng.randrange(len(keys))
                status = 200 if rng.random() < 0.95 else rng.choice([429, 499, 500])
                prompt, completion = rng.randint(10, 3000), rng.randint(1, 1500)
                copy.write_row((
                    str(uuid.UUID(int=rng.getrandbits(128))), now - rng.random() * 30 * DAY, keys[k], tags[k],
                    "llama-cpp-root", rng.choice(MODELS), "/v1/chat/completions", "POST", "", status,
                    rng.random() < 0.5, prompt, completion, (prompt + 2 * completion) * 1e-6,
                    rng.lognormvariate(6.5, 0.8), rng.random() < 0.05, "http://127.0.0.1:5002", "", "",
                ))
        conn.commit()
    loaded = time.perf_counter()
    engine = make_engine(url)
    with engine.begin() as sa_conn:
        rollups.backfill(sa_conn)
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return loaded - started, time.perf_counter() - loaded


async def proxy_load(url: str, key: str, stop: asyncio.Event, concurrency: int = 4) -> list[float]:
    """Small chat requests at `concurrency` until `stop`; their latencies in ms."""
    body = {"model": "m", "messages": [{"role": "user", "content": "bench [chunks:5]"}]}
    latencies: list[float] = []
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as session:
        async def worker() -> None:
            while not stop.is_set():
                start = time.perf_counter()
                async with session.post(url + "/v1/chat/completions", json=body) as resp:
                    await resp.read()
                latencies.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def during(proxy_url: str, key: str, call: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """Median ms of `call` (run `repeat` times in a thread) and the proxy latencies meanwhile."""
    stop = asyncio.Event()
    load = asyncio.create_task(proxy_load(proxy_url, key, stop))
    await asyncio.sleep(0.5)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await asyncio.to_thread(call)
        times.append((time.perf_counter() - start) * 1000)
    stop.set()
    return statistics.median(times), await load


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))] if data else 0.0


def admin_pid(supervisor: int) -> int:
    """The admin child of the supervisor (started first)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return int(children[0])


async def run(n: int, repeat: int) -> None:
    url = create_database()
    logs = Path(tempfile.mkdtemp(prefix="bench-reporting-"))
    upstream = start_upstream(logs)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    keys = [str(uuid.uuid4()) for _ in range(50)]
    now = time.time()
    with psycopg.connect(url) as conn:
        for k in keys:
            conn.execute("INSERT INTO keys (key_id, name, key_hash, key_hint, tags, created_at, updated_at, revoked, "
                         "revoked_reason, cost_limit_in_usd, cost_limit_in_usd_over_time, cost_limit_in_usd_unit, "
                         "rate_limit_over_time, rate_limit_unit, ttl, setting_ids, allowed_paths, allowed_models, "
                         "should_log_request, should_log_response, cache_enabled, cache_ttl_s) VALUES (%s, %s, %s, '', "
                         "'[]', 0, 0, false, '', 0, 0, '', 0, '', '', '[]', '[]', '[]', false, false, false, 0)",
                         (k, k[:8], uuid.uuid4().hex))
    load_s, rollup_s = bulk_load(url, n, keys, now)
    with psycopg.connect(url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("event_rollups", "latency_rollups")}
    gateway = start_gateway(logs, url, upstream.url, REDIS_URL, f"bench:{uuid.uuid4().hex[:6]}:")
    try:
        key = gateway.create_key(name="bench", rateLimitOverTime=10**9, rateLimitUnit="m")["key"]
        assert gateway.child.proc is not None
        admin = gateway.admin()
        hour_now = int(now // 3600 + 1) * 3600
        deep_cursor = _cursor_at(url, min(100_000, n // 2))

        def post(path: str, body: dict[str, object]) -> Callable[[], object]:
            return lambda: admin.post(path, json=body).raise_for_status()

        def raw_overview() -> None:
            with psycopg.connect(url) as conn:
                conn.execute("SELECT floor((created_at - %s) / 86400), count(*), sum(prompt_token_count), "
                             "sum(cost_in_usd), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_in_ms) "
                             "FROM events WHERE created_at >= %s GROUP BY 1", (hour_now - 30 * DAY, hour_now - 30 * DAY)).fetchall()

        calls: list[tuple[str, Callable[[], object] | None]] = [
            ("proxy idle (baseline)", None),
            ("30-day daily overview", post("/api/reporting/events", {"start": hour_now - 30 * DAY, "end": hour_now, "increment": DAY})),
            ("7-day hourly overview", post("/api/reporting/events", {"start": hour_now - 7 * DAY, "end": hour_now, "increment": 3600})),
            ("top keys 30 days", post("/api/reporting/top-keys", {"start": hour_now - 30 * DAY, "end": hour_now})),
            ("events page 1", post("/api/v2/events", {"limit": 100, "includeTotal": False})),
            ("events page 1,000 (cursor)", post("/api/v2/events", {"limit": 100, "includeTotal": False, "cursor": deep_cursor})),
            ("one key's spend (all time)", lambda: admin.get(f"/api/reporting/keys/{keys[0]}").raise_for_status()),
            ("raw GROUP BY 30 days (no rollups)", raw_overview),
        ]
        rows = []
        idle_p99 = 0.0
        for name, call in calls:
            if call is None:
                stop = asyncio.Event()
                task = asyncio.create_task(proxy_load(gateway.proxy_url, key, stop))
                await asyncio.sleep(3)
                stop.set()
                latencies, admin_ms = await task, 0.0
                idle_p99 = pct(latencies, 0.99)
            else:
                admin_ms, latencies = await during(gateway.proxy_url, key, call, repeat)
            rows.append((name, admin_ms, pct(latencies, 0.99), max(latencies), pct(latencies, 0.99) / idle_p99))
        rss = rss_mb(admin_pid(gateway.child.proc.pid))
        admin.close()
    finally:
        gateway.child.stop()
        upstream.child.stop()
        drop_database(url)
    print(f"\n{n:,} events over 30 days, 50 keys, 3 models; COPY {load_s:.1f} s, rollups {rollup_s:.1f} s; "
          f"admin process RSS {rss:.0f} MB; rollup rows: "
          + ", ".join(f"{t} {c[0] if c else 0:,}" for t, c in counts.items()) + "\n")
    print("| admin call | admin ms (median) | proxy p99 ms | proxy max ms | p99 / idle p99 |")
    print("|---|---|---|---|---|")
    for name, admin_ms, p99, worst, ratio in rows:
        print(f"| {name} | {admin_ms:.1f} | {p99:.1f} | {worst:.1f} | {ratio:.2f} |")


def _cursor_at(url: str, offset: int) -> str:
    """The cursor that starts page offset/100 + 1 in time order (found once, not timed)."""
    import base64

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT created_at, id FROM events ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
                           (offset - 1,)).fetchone()
    assert row is not None
    return base64.urlsafe_b64encode(json.dumps([row[0], row[1]]).encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.events, args.repeat))


if __name__ == "__main__":
    main()
