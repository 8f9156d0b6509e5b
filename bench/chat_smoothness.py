"""How smooth a long streamed answer stays in the browser: the longest main-thread gap and the total
long-task time while a 1k- and a 4k-token Markdown answer stream (2 ms a token) and settle, the
number of gaps of 50 ms or more (median, and in the worst of the repeated answers), and the CPU time of the page's main thread (which, unlike the
gaps, hardly depends on what else the shared machine is running).

Run: .venv/bin/python -m bench.chat_smoothness [--baseline main] [--sizes 1000 4000] [--repeat 2]
Builds this checkout's dictachat and, with --baseline, the same app from a git revision (exported
with `git archive`), both against one scripted upstream and gateway, and prints one table with the
ratios against the baseline. Needs PostgreSQL and Redis (as the tests do), Chromium and bun.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import CDPSession, Page, expect, sync_playwright

from tests import support
from tests.e2e.conftest import BUILD_TIMEOUT_S, BUN, CHROMIUM, sign_in_tester

# A frame loop notes every gap between two frames; a PerformanceObserver sums the long tasks (> 50 ms).
PROBE = """
window.__bench = {gaps: [], longTasks: [], frames: [], last: 0, on: false};
new PerformanceObserver(list => { if (__bench.on) for (const e of list.getEntries()) __bench.longTasks.push(e.duration); })
  .observe({type: 'longtask', buffered: false});
// Long animation frames (>= 50 ms) with the scripts that ran in them: where a stall comes from.
new PerformanceObserver(list => { if (__bench.on) for (const e of list.getEntries()) __bench.frames.push({
    duration: e.duration, blocking: e.blockingDuration, render: e.duration - (e.renderStart - e.startTime),
    layout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
    scripts: e.scripts.map(s => ({ms: s.duration, layout: s.forcedStyleAndLayoutDuration, invoker: s.invoker,
                                   fn: s.sourceFunctionName, url: (s.sourceURL || '').split('/').pop()}))}); })
  .observe({type: 'long-animation-frame', buffered: false});
(function frame(t) {
  if (__bench.on && __bench.last) __bench.gaps.push(t - __bench.last);
  __bench.last = t;
  requestAnimationFrame(frame);
})(performance.now());
"""


@dataclass
class Sample:
    longest_gap_ms: float
    long_task_ms: float
    long_tasks: int
    slow_gaps: int  # gaps of 50 ms or more
    cpu_ms: float  # CPU time of the page's main thread: what the answer costs, whatever else runs on the machine
    idle_gap_ms: float


def serve(tree: Path, gateway: support.Gateway, work: Path, log: Path) -> tuple[str, subprocess.Popen]:
    """Build and serve the dictachat in `tree` (production mode) on a free port."""
    port = support.free_port()
    env = {**os.environ, "DATABASE_URL": gateway.database_url, "GATEWAY_URL": gateway.proxy_url,
           "GATEWAY_ADMIN_URL": gateway.admin_url, "ADMIN_PASS": gateway.admin_pass, "FRONTEND_API_KEY": gateway.frontend_key,
           "REFLEX_BUN_PATH": BUN, "REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "false",
           "REFLEX_WEB_WORKDIR": str(work / "web"), "REFLEX_STATES_WORKDIR": str(work / "states"), "PYTHONPATH": str(tree)}
    args = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)]
    proc = subprocess.Popen(args, cwd=tree, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    support.wait_http(url + "/ping", BUILD_TIMEOUT_S, proc)
    support.wait_http(url + "/", 60, proc)
    return url, proc


def wait_for(page: Page, selector: str, timeout_ms: int) -> None:
    """Wait for an element with a cheap poll: Playwright's `expect` takes an ARIA snapshot of the whole
    page on each failed try, which itself blocks the main thread for tens of milliseconds on a long answer."""
    page.wait_for_function(f"!!document.querySelector({selector!r})", polling=250, timeout=timeout_ms)


def ask(page: Page, tokens: int) -> None:
    """Ask for an answer of `tokens` tokens and wait until it is finished."""
    page.locator("#composer").fill(f"bench {uuid.uuid4().hex[:6]} [md:{tokens}]")
    page.locator("#composer").press("Enter")
    wait_for(page, "#stop-button", 30_000)
    wait_for(page, "#send-button", 120_000)


def measure(page: Page, url: str, tokens: int, slowdown: float, history: int) -> tuple[Sample, list[dict]]:
    """One answer of `tokens` tokens, after `history` earlier ones in the same chat: its figures and long frames."""
    cdp = page.context.new_cdp_session(page)
    if slowdown > 1:  # a slower laptop than this VM: Chromium runs the page's main thread this many times slower
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    page.goto(url + "/")
    expect(page.locator(".chat-header")).to_contain_text("scripted-model", timeout=30_000)
    for _ in range(history):
        ask(page, tokens)
    page.wait_for_timeout(1500)
    page.evaluate("__bench.on = true")
    page.wait_for_timeout(1000)
    idle = page.evaluate("Math.max(...__bench.gaps)")
    page.evaluate("__bench.gaps = []; __bench.longTasks = []; __bench.frames = []")
    cdp.send("Performance.enable")
    cpu_before = thread_time(cdp)
    ask(page, tokens)
    page.wait_for_timeout(1500)  # the finished answer replaces the live one
    gaps, tasks, frames = page.evaluate("[__bench.gaps, __bench.longTasks, __bench.frames]")
    cpu_ms = (thread_time(cdp) - cpu_before) * 1000
    return Sample(max(gaps), sum(tasks), len(tasks), sum(gap >= 50 for gap in gaps), cpu_ms, idle), frames


def explain(frames: list[dict]) -> str:
    """The long animation frames of one answer, each with its render time and its three costliest scripts."""
    lines = []
    for f in sorted(frames, key=lambda f: -f["duration"]):
        lines.append(f"    frame {f['duration']:.0f} ms (blocking {f['blocking']:.0f}, rendering {f['render']:.0f}, "
                     f"style+layout {f['layout']:.0f})")
        for script in sorted(f["scripts"], key=lambda s: -s["ms"])[:3]:
            lines.append(f"      {script['ms']:.0f} ms (forced layout {script['layout']:.0f}) {script['invoker']}"
                         f" · {script['fn'] or '?'} in {script['url'] or '?'}")
    return "\n".join(lines) or "    no frame of 50 ms or more"


def thread_time(cdp: CDPSession) -> float:
    """Seconds of CPU the page's main thread has used."""
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "ThreadTime")


def export(ref: str, into: Path) -> Path:
    """The checkout at `ref`, as files (git archive), to build the baseline from."""
    archive = subprocess.run(["git", "archive", ref], cwd=support.ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with ('' = none)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--repeat", type=int, default=2, help="answers per size and build (the median is shown)")
    parser.add_argument("--slowdown", type=float, default=1, help="run the page's main thread N times slower (CDP CPU throttling)")
    parser.add_argument("--history", type=int, default=0, help="earlier answers of the same size in the chat before the measured one")
    parser.add_argument("--explain", action="store_true", help="after the table, list the long frames of each worst answer")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # the machine is shared: the load says how much the figures can be trusted
    tmp = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    upstream = support.start_upstream(tmp, "bench-upstream")
    database_url = support.create_database()
    gateway = support.start_gateway(tmp, database_url, upstream.url, support.REDIS_URL, f"bench:{uuid.uuid4().hex[:8]}:")
    builds: dict[str, Path] = {}
    if args.baseline:
        builds[f"baseline ({args.baseline})"] = export(args.baseline, Path(tempfile.mkdtemp(prefix="baseline-", dir=tmp)))
    builds["this checkout"] = support.ROOT
    servers: list[subprocess.Popen] = []
    results: dict[tuple[str, int], Sample] = {}
    worst: dict[tuple[str, int], tuple[Sample, list[dict]]] = {}  # the worst answer of the repeats: a median hides a stall in one
    try:
        urls = {}
        for name, tree in builds.items():
            print(f"building {name} …", file=sys.stderr, flush=True)
            url, proc = serve(tree, gateway, Path(tempfile.mkdtemp(dir=tmp)), tmp / f"dictachat-{len(servers)}.log")
            servers.append(proc)
            urls[name] = url
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for tokens in args.sizes:
                for name, url in urls.items():
                    samples = []
                    for _ in range(args.repeat):
                        context = browser.new_context(viewport={"width": 1280, "height": 860})
                        sign_in_tester(context, url, gateway.database_url)
                        page = context.new_page()
                        page.add_init_script(PROBE)
                        samples.append(measure(page, url, tokens, args.slowdown, args.history))
                        context.close()
                    results[(name, tokens)] = Sample(*(statistics.median(getattr(s, f) for s, _ in samples)
                                                       for f in Sample.__dataclass_fields__))
                    worst[(name, tokens)] = max(samples, key=lambda sample: sample[0].longest_gap_ms)
            browser.close()
    finally:
        for proc in servers:
            os.killpg(proc.pid, 15)
        for proc in servers:
            proc.wait(30)
        gateway.child.stop()
        upstream.child.stop()
        support.drop_database(database_url)

    base = next(iter(urls))
    print(f"\nchat smoothness · Chromium {CHROMIUM} · 2 ms/token · CPU slowdown {args.slowdown:g}x · {args.history} earlier answers · median of {args.repeat} · {time.strftime('%Y-%m-%d %H:%M')}"
          f" · load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"{'build':<26}{'tokens':>7}{'longest gap ms':>16}{'ratio':>7}{'long-task ms':>14}{'ratio':>7}{'long tasks':>12}{'gaps >= 50':>12}{'main CPU ms':>13}{'idle gap ms':>13}"
          f"{'worst gap ms':>14}{'worst >= 50':>13}")
    for tokens in args.sizes:
        ref = results[(base, tokens)]
        for name in urls:
            s = results[(name, tokens)]
            print(f"{name:<26}{tokens:>7}{s.longest_gap_ms:>16.0f}{s.longest_gap_ms / ref.longest_gap_ms:>7.2f}"
                  f"{s.long_task_ms:>14.0f}{(s.long_task_ms / ref.long_task_ms) if ref.long_task_ms else 0:>7.2f}"
                  f"{s.long_tasks:>12.0f}{s.slow_gaps:>12.0f}{s.cpu_ms:>13.0f}{s.idle_gap_ms:>13.0f}"
                  f"{worst[(name, tokens)][0].longest_gap_ms:>14.0f}{worst[(name, tokens)][0].slow_gaps:>13.0f}")
    if args.explain:
        for (name, tokens), (_, frames) in worst.items():
            print(f"\nlong frames of the worst {tokens}-token answer, {name}:\n{explain(frames)}")


if __name__ == "__main__":
    main()
