"""`python -m gateway`: migrate and create the defaults (or, with the database away, keep retrying in the
background while serving degraded), then run the admin API and the proxy in separate
processes (the proxy never waits for a long report) and supervise them; `--workers N` runs N proxy
processes on one port. `python -m gateway proxy|admin` runs one role alone (the supervisor starts these)."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from types import FrameType

import uvicorn
import uvloop

from common.db import get_engine
from common.settings import Settings, get_settings
from gateway.readiness import DatabaseSetup
from gateway.scheduler_view import VIEW_DIR_ENV
from gateway.server import build_admin, build_proxy

log = logging.getLogger("gateway")

STOP_TIMEOUT_S = 15.0
PR_SET_PDEATHSIG = 1  # prctl option from <linux/prctl.h>
# The admin runs at a lower CPU priority: on a small machine a long report then takes the cores the proxy
# leaves idle instead of stalling proxied requests (the admin's users wait for reports; chat users should not).
ADMIN_NICENESS = 10


async def serve(role: str, settings: Settings, fd: int | None, database: DatabaseSetup) -> None:
    """Serve one role on the inherited listening socket `fd` (or bind its own port)."""
    if role == "admin":
        os.nice(ADMIN_NICENESS)
    runtime = await (build_proxy if role == "proxy" else build_admin)(settings, get_engine(), database)
    # LiteLLM and friends leave ~400k long-lived objects; a full collection over them stalls every
    # request for ~250 ms. Freezing them keeps the collector to what requests allocate.
    gc.collect()
    gc.freeze()
    port = settings.gateway.bricksllm_proxy_port if role == "proxy" else settings.gateway.bricksllm_admin_port
    server = uvicorn.Server(uvicorn.Config(
        runtime.app, host=settings.gateway.gateway_host, port=port, lifespan="off", log_level="warning",
        access_log=False, timeout_graceful_shutdown=5))
    try:
        await server.serve(sockets=[socket.socket(fileno=fd)] if fd is not None else None)
    finally:
        await runtime.close()
    if not server.started:
        raise SystemExit(f"gateway {role}: could not listen on port {port}")


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket the children inherit (one port shared by every proxy worker)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise SystemExit(f"gateway: could not listen on {host}:{port} ({exc.strerror})") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def supervise(settings: Settings, workers: int, database: DatabaseSetup) -> int:
    """Start the admin and `workers` proxy processes; stop them all on SIGTERM/SIGINT or when one dies."""
    host = settings.gateway.gateway_host
    # Metrics are counted in the proxies and served by the admin: one shared directory, fresh per start.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir = tempfile.mkdtemp(prefix="gateway-metrics-")
    # The proxies' live scheduler views, read by the admin's System page (gateway.scheduler_view).
    os.environ[VIEW_DIR_ENV] = views_dir = tempfile.mkdtemp(prefix="gateway-views-")
    sockets = {"admin": _listen(host, settings.gateway.bricksllm_admin_port),
               "proxy": _listen(host, settings.gateway.bricksllm_proxy_port)}
    pending = [] if database.ready else ["--database-problem", database.problem or "not ready"]
    children = [
        subprocess.Popen([sys.executable, "-m", "gateway", role, "--fd", str(sockets[role].fileno()), *pending],
                         pass_fds=(sockets[role].fileno(),))
        for role in ["admin", *["proxy"] * workers]
    ]
    for sock in sockets.values():
        sock.close()  # the children hold them now
    log.info("proxy on :%s (%d process%s), admin on :%s", settings.gateway.bricksllm_proxy_port, workers,
             "es" if workers > 1 else "", settings.gateway.bricksllm_admin_port)
    stopping: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    died = [child for child in children if child.poll() is not None]
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    shutil.rmtree(metrics_dir, ignore_errors=True)
    shutil.rmtree(views_dir, ignore_errors=True)
    if died and not stopping:
        log.error("a gateway process exited (code %s); stopped the others", died[0].returncode)
        return 1
    return 0


def _die_with_parent() -> None:
    """Linux: get SIGTERM when the supervisor dies, even by SIGKILL, so no proxy outlives it on its port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    parser.add_argument("role", nargs="?", choices=["proxy", "admin"], help="run one role alone")
    parser.add_argument("--workers", type=int, help="proxy processes (default GATEWAY_WORKERS)")
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # listening socket from the supervisor
    parser.add_argument("--database-problem", help=argparse.SUPPRESS)  # the supervisor could not migrate
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if args.role:
        if args.fd is not None:
            _die_with_parent()
        # Started by the supervisor: it migrated, or tells us the database was not ready and why.
        database = DatabaseSetup(ready=not args.database_problem, problem=args.database_problem or "")
        uvloop.run(serve(args.role, settings, args.fd, database))
        return
    workers = settings.gateway.gateway_workers if args.workers is None else args.workers
    if workers < 1:
        raise SystemExit("gateway: --workers must be at least 1")
    if workers > 1 and not settings.storage.redis_url:
        raise SystemExit("gateway: --workers/GATEWAY_WORKERS above 1 needs REDIS_URL (limits must be shared to stay exact)")
    if not settings.gateway.admin_pass:
        log.warning("ADMIN_PASS is not set: the admin API refuses every request until it is")
    database = DatabaseSetup()
    if not database.try_once(get_engine(), settings):
        # Serving degraded beats not serving: cached keys keep working and /api/health says what is down.
        log.warning("cannot prepare the database at DATABASE_URL (%s); serving degraded and retrying in the background",
                    database.problem)
    get_engine().dispose()
    raise SystemExit(supervise(settings, workers, database))


if __name__ == "__main__":
    main()
