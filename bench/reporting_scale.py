"""Reporting at scale: bulk-load synthetic events over 30 days into PostgreSQL, then time the admin calls
while the proxy serves traffic, and the proxy's latency while each admin call runs.

Run (needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, as the tests do; prints a table):
  1M events:  .venv/bin/python -m bench.reporting_scale                       ~1.5 min (~1.2 GB database)
  10M events: .venv/bin/python -m bench.reporting_scale --events 10000000 --keep
              ~20 min on the shared 2-core VM (13 min generating events and indexes, 5 min rollups;
              ~7 GB database); then measure it again in ~1 min with --database URL (printed at the end)
              and drop it when done (DROP DATABASE).
Baselines from the same run: the proxy idle (no admin call), and the 30-day overview computed by one
GROUP BY over the raw events (what a report costs without rollups). Absolute times depend on the load
of the machine: the table's heading prints the load average; compare rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import statistics
import sys
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


LOAD_BATCH = 1_000_000  # rows per INSERT … SELECT: progress is printed per batch

# One row per generate_series value, every random draw made once in the inner select (OFFSET 0 keeps the
# planner from inlining it and drawing twice). Latency is log-normal (median ~665 ms), 5 % errors.
_GENERATE = """
INSERT INTO events (id, created_at, key_id, tags, provider, model, path, method, route_id, status, stream,
                    prompt_token_count, completion_token_count, cost_in_usd, latency_in_ms, cache_hit, upstream,
                    error, custom_id, user_id)
SELECT md5(%(seed)s || ':' || g)::uuid::text, %(now)s - t * 2592000, (%(keys)s::text[])[k],
       (%(tags)s::text[])[k]::json, 'llama-cpp-root', (%(models)s::text[])[m],
       '/v1/chat/completions', 'POST', '', CASE WHEN s < 0.95 THEN 200 ELSE (ARRAY[429, 499, 500])[e] END,
       st < 0.5, p, c, (p + 2 * c) * 1e-6, exp(6.5 + 0.8 * sqrt(-2 * ln(1 - u1)) * cos(2 * pi() * u2)), ch < 0.05,
       'http://127.0.0.1:5002', '', '', ''
FROM (SELECT g, random() AS t, 1 + floor(random() * %(n_keys)s)::int AS k, 1 + floor(random() * %(n_models)s)::int AS m,
             random() AS s, 1 + floor(random() * 3)::int AS e, random() AS st,
             10 + floor(random() * 2991)::int AS p, 1 + floor(random() * 1500)::int AS c,
             random() AS u1, random() AS u2, random() AS ch
      FROM generate_series(%(low)s::int, %(high)s::int) g OFFSET 0) r
"""


def bulk_load(url: str, n: int, keys: list[str], now: float) -> tuple[float, float]:
    """Generate `n` events spread over the 30 days before `now` inside PostgreSQL (INSERT … SELECT
    generate_series, secondary indexes dropped and rebuilt), then build their rollups; (load s, rollup s)."""
    rng = random.Random(1)
    tags = [json.dumps(sorted(rng.sample(["team-a", "team-b", "prod"], rng.randint(0, 2)))) for _ in keys]
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = [(name, sql) for name, sql in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname NOT LIKE '%pkey'")]
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SELECT setseed(0.5)")
        for low in range(1, n + 1, LOAD_BATCH):
            high = min(n, low + LOAD_BATCH - 1)
            conn.execute(_GENERATE, {"seed": "bench", "now": now, "keys": keys, "tags": tags, "n_keys": len(keys),
                                     "models": MODELS, "n_models": len(MODELS), "low": low, "high": high})
            print(f"  {high:,} events inserted, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        for _name, sql in indexes:
            conn.execute(sql)
        print(f"  indexes rebuilt, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    loaded = time.perf_counter()
    engine = make_engine(url)
    with engine.begin() as sa_conn:
        rollups.backfill(sa_conn)
        rollups.backfill_coarse(sa_conn)
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


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


async def during(proxy_url: str, key: str, call: Callable[[], object], repeat: int,
                 admin: int) -> tuple[float, float, list[float]]:
    """Median ms of `call` (run `repeat` times in a thread), median CPU ms of the `admin` process
    meanwhile, and the proxy latencies meanwhile."""
    stop = asyncio.Event()
    load = asyncio.create_task(proxy_load(proxy_url, key, stop))
    await asyncio.sleep(0.5)
    times, cpu = [], []
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), cpu_ms(admin)
        await asyncio.to_thread(call)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append(cpu_ms(admin) - cpu_start)
    stop.set()
    return statistics.median(times), statistics.median(cpu), await load


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))] if data else 0.0


def load_average() -> str:
    """The machine's 1/5/15-minute load averages: the figures are only comparable at similar load."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def admin_pid(supervisor: int) -> int:
    """The admin child of the supervisor (started first)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return int(children[0])


BENCH_KEY_NAME = "bench-load"  # the keys the loaded events belong to, found again by --database


def prepare(n: int) -> tuple[str, list[str], float, str]:
    """A new database with `n` loaded events; (url, key ids, load time, how long the load took)."""
    url = create_database()
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
                         (k, BENCH_KEY_NAME, uuid.uuid4().hex))
    load_s, rollup_s = bulk_load(url, n, keys, now)
    return url, keys, now, f"load {load_s:.0f} s, rollups {rollup_s:.0f} s"


def reuse(url: str) -> tuple[list[str], float, int]:
    """The keys, load time and event count of a database loaded by an earlier run (--keep)."""
    with psycopg.connect(url) as conn:
        keys = [k for (k,) in conn.execute("SELECT key_id FROM keys WHERE name = %s ORDER BY key_id", (BENCH_KEY_NAME,))]
        row = conn.execute("SELECT max(created_at), count(*) FROM events WHERE key_id = ANY(%s)", (keys,)).fetchone()
    assert keys and row is not None, f"{url} holds no events loaded by this bench"
    return keys, float(row[0]), int(row[1])


async def run(n: int, repeat: int, database: str | None, keep: bool) -> None:
    if database:
        url, (keys, now, n), how = database, reuse(database), "reused"
    else:
        url, keys, now, how = prepare(n)
    logs = Path(tempfile.mkdtemp(prefix="bench-reporting-"))
    upstream = start_upstream(logs)
    with psycopg.connect(url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone() for t in (
            "event_rollups", "latency_rollups", "event_rollups_3h", "latency_rollups_3h", "event_rollups_daily",
            "latency_rollups_daily")}
    gateway = start_gateway(logs, url, upstream.url, REDIS_URL, f"bench:{uuid.uuid4().hex[:6]}:")
    try:
        key = gateway.create_key(name="bench", rateLimitOverTime=10**9, rateLimitUnit="m")["key"]
        assert gateway.child.proc is not None
        admin = gateway.admin()
        hour_now = int(now // 3600 + 1) * 3600
        # What the dashboard sends (gateway in UTC): from a UTC midnight, or 3-hour boundary, up to now.
        midnight, three_hours, end = int((now - 30 * DAY) // DAY * DAY), int((now - 7 * DAY) // 10800 * 10800), int(now) + 1
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
            ("30-day daily overview (days from hh:00)", post("/api/reporting/events", {"start": hour_now - 30 * DAY, "end": hour_now, "increment": DAY})),
            ("30-day daily overview (from UTC midnight)", post("/api/reporting/events", {"start": midnight, "end": end, "increment": DAY})),
            ("dashboard 30 days (12-hour buckets)", post("/api/reporting/events", {"start": midnight, "end": end, "increment": 43200})),
            ("dashboard 7 days (3-hour buckets)", post("/api/reporting/events", {"start": three_hours, "end": end, "increment": 10800})),
            ("7-day hourly overview", post("/api/reporting/events", {"start": hour_now - 7 * DAY, "end": hour_now, "increment": 3600})),
            ("top keys 30 days", post("/api/reporting/top-keys", {"start": hour_now - 30 * DAY, "end": hour_now})),
            ("events page 1", post("/api/v2/events", {"limit": 100, "includeTotal": False})),
            ("events page 1,000 (cursor)", post("/api/v2/events", {"limit": 100, "includeTotal": False, "cursor": deep_cursor})),
            ("one key's spend (all time)", lambda: admin.get(f"/api/reporting/keys/{keys[0]}").raise_for_status()),
            ("raw GROUP BY 30 days (no rollups)", raw_overview),
        ]
        rows = []
        idle_p99 = 0.0
        admin_process = admin_pid(gateway.child.proc.pid)
        for name, call in calls:
            if call is None:
                stop = asyncio.Event()
                task = asyncio.create_task(proxy_load(gateway.proxy_url, key, stop))
                await asyncio.sleep(3)
                stop.set()
                latencies, admin_ms, admin_cpu = await task, 0.0, 0.0
                idle_p99 = pct(latencies, 0.99)
            else:
                admin_ms, admin_cpu, latencies = await during(gateway.proxy_url, key, call, repeat, admin_process)
            rows.append((name, admin_ms, admin_cpu, pct(latencies, 0.99), max(latencies), pct(latencies, 0.99) / idle_p99))
        rss = rss_mb(admin_process)
        admin.close()
    finally:
        gateway.child.stop()
        upstream.child.stop()
        if keep or database:
            print(f"kept the loaded database: --database {url}", file=sys.stderr)
        else:
            drop_database(url)
    print(f"\n{n:,} events over 30 days, 50 keys, 3 models ({how}); load average {load_average()}; "
          f"admin process RSS {rss:.0f} MB; rollup rows: "
          + ", ".join(f"{t} {c[0] if c else 0:,}" for t, c in counts.items()) + "\n")
    print("| admin call | admin ms (median) | admin process CPU ms | proxy p99 ms | proxy max ms | p99 / idle p99 |")
    print("|---|---|---|---|---|---|")
    for name, admin_ms, admin_cpu, p99, worst, ratio in rows:
        print(f"| {name} | {admin_ms:.1f} | {admin_cpu:.0f} | {p99:.1f} | {worst:.1f} | {ratio:.2f} |")


def _cursor_at(url: str, offset: int) -> str:
    """The cursor that starts page offset/100 + 1 in time order (found once, not timed)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT created_at, id FROM events ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
                           (offset - 1,)).fetchone()
    assert row is not None
    return base64.urlsafe_b64encode(json.dumps([row[0], row[1]]).encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events to load (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="times each admin call runs (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database and print its URL")
    parser.add_argument("--database", metavar="URL", help="measure a database kept by --keep instead of loading")
    args = parser.parse_args()
    asyncio.run(run(args.events, args.repeat, args.database, args.keep))


if __name__ == "__main__":
    main()
