"""`python -m gateway`: migrate, create the defaults, serve the proxy and admin APIs in one process."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Iterator

import uvicorn
import uvloop

from common.db import get_engine
from common.settings import Settings, get_settings
from gateway.readiness import DatabaseSetup
from gateway.server import build

log = logging.getLogger("gateway")


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `serve`, which stops both servers together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings, database: DatabaseSetup) -> None:
    runtime = await build(settings, get_engine(), database)
    # LiteLLM and friends leave ~400k long-lived objects; a full collection over them stalls every
    # request for ~250 ms. Freezing them keeps the collector to what requests allocate.
    gc.collect()
    gc.freeze()
    servers = [
        _Server(uvicorn.Config(app, host=settings.gateway.gateway_host, port=port, lifespan="off", log_level="warning",
                               access_log=False, timeout_graceful_shutdown=5))
        for app, port in ((runtime.proxy, settings.gateway.bricksllm_proxy_port), (runtime.admin, settings.gateway.bricksllm_admin_port))
    ]
    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_all)
    log.info("proxy on :%s, admin on :%s", settings.gateway.bricksllm_proxy_port, settings.gateway.bricksllm_admin_port)
    try:
        await asyncio.gather(*(s.serve() for s in servers))
    finally:
        await runtime.close()
    if any(not s.started for s in servers):
        raise SystemExit(f"gateway: could not listen on ports {settings.gateway.bricksllm_proxy_port}/{settings.gateway.bricksllm_admin_port}")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if not settings.gateway.admin_pass:
        log.warning("ADMIN_PASS is not set: the admin API refuses every request until it is")
    database = DatabaseSetup()
    if not database.try_once(get_engine(), settings):
        # Serving degraded beats not serving: cached keys keep working and /api/health says what is down.
        log.warning("cannot prepare the database at DATABASE_URL (%s); serving degraded and retrying in the background",
                    database.problem)
    uvloop.run(serve(settings, database))


if __name__ == "__main__":
    main()
