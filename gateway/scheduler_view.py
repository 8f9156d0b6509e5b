"""The proxy processes' live scheduler views, handed to the admin process through small JSON files.

The admin API runs in its own process and admits no requests itself, so its System page reads what the
proxies publish here (the supervisor names the folder in GATEWAY_VIEW_DIR); no Redis is needed for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from gateway.scheduler import Scheduler

VIEW_DIR_ENV = "GATEWAY_VIEW_DIR"
PUBLISH_INTERVAL_S = 0.5

log = logging.getLogger("gateway.scheduler")


def view_dir() -> Path | None:
    """The folder the supervisor made for the views, or None when this process serves alone."""
    raw = os.environ.get(VIEW_DIR_ENV, "")
    return Path(raw) if raw else None


async def publish(scheduler: Scheduler, directory: Path) -> None:
    """Keep this process's view in `directory`: looked at every PUBLISH_INTERVAL_S, written only when it changed
    (an idle proxy writes nothing; the reader tells a dead proxy's file by its process id, not by its age)."""
    target = directory / f"proxy-{os.getpid()}.json"
    written: str | None = None
    try:
        while True:
            written = await publish_once(scheduler, target, written)
            await asyncio.sleep(PUBLISH_INTERVAL_S)
    finally:
        with contextlib.suppress(OSError):
            target.unlink()


async def publish_once(scheduler: Scheduler, target: Path, written: str | None) -> str | None:
    """Write the view to `target` (atomically: the admin never reads half a file) unless it is `written`, what
    the file holds already; returns what it holds now (a failed write is tried again next time)."""
    text = json.dumps(await scheduler.snapshot())
    if text == written:
        return written
    partial = target.with_suffix(".tmp")
    try:
        partial.write_text(text)
        os.replace(partial, target)
    except Exception as exc:  # a full disk must not stop the proxy
        log.warning("cannot publish the scheduler view (%s)", exc)
        return written
    return text


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_views(directory: Path) -> list[dict[str, Any]]:
    """The views of the proxy processes still running."""
    views = []
    for path in sorted(directory.glob("proxy-*.json")):
        pid = path.stem.removeprefix("proxy-")
        if not pid.isdigit() or not _alive(int(pid)):
            continue
        with contextlib.suppress(OSError, ValueError):
            views.append(json.loads(path.read_text()))
    return views


def merge(views: list[dict[str, Any]], shared: bool) -> dict[str, Any]:
    """One view of several processes. With shared slots (Redis) each process already sees every queue and
    slot, so those are taken once (max), not added up; per-key and per-user counts are each process's own
    and add up."""
    def combine(a: int, b: int) -> int:
        return max(a, b) if shared else a + b

    providers: dict[str, dict[str, Any]] = {}
    keys: dict[str, dict[str, int]] = {}
    users: dict[str, dict[str, dict[str, int]]] = {}  # key -> user -> counts
    for view in views:
        for prov in view.get("providers", []):
            seen = providers.get(prov["provider"])
            if seen is None:
                providers[prov["provider"]] = {**prov, "deployments": [dict(d) for d in prov["deployments"]]}
                continue
            seen["queueDepth"] = combine(seen["queueDepth"], prov["queueDepth"])
            for name in ("queueWaitMsP50", "queueWaitMsP95"):
                seen[name] = max((v for v in (seen[name], prov[name]) if v is not None), default=None)
            by_url = {d["url"]: d for d in seen["deployments"]}
            for dep in prov["deployments"]:
                if dep["url"] in by_url:
                    by_url[dep["url"]]["inFlight"] = combine(by_url[dep["url"]]["inFlight"], dep["inFlight"])
                    by_url[dep["url"]]["slots"] = by_url[dep["url"]]["slots"] or dep["slots"]
                else:
                    seen["deployments"].append(dict(dep))
        for key in view.get("keys", []):
            _add(keys.setdefault(key["keyId"], {}), key)
            for user in key.get("users", []):
                _add(users.setdefault(key["keyId"], {}).setdefault(user["userId"], {}), user)
    return {
        "enabled": any(view.get("enabled") for view in views),
        "providers": list(providers.values()),
        "keys": [_key_row(k, counts, users.get(k, {})) for k, counts in keys.items()],
    }


def _key_row(key_id: str, counts: dict[str, int], users: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A key's merged counts; its users' only when it has some, as in each process's view."""
    row: dict[str, Any] = {"keyId": key_id, **counts}
    if users:
        row["users"] = [{"userId": u, **c} for u, c in users.items()]
    return row


def _add(total: dict[str, int], counts: dict[str, Any]) -> None:
    """Add a process's in flight and queued counts to the total."""
    for name in ("inFlight", "queued"):
        total[name] = total.get(name, 0) + counts[name]


async def live_view(scheduler: Scheduler) -> dict[str, Any]:
    """What the proxies admit now: their published views when they run apart from this process, else this one's."""
    directory = view_dir()
    views = await asyncio.to_thread(read_views, directory) if directory is not None else []
    if not views:
        return await scheduler.snapshot()
    return merge(views, shared=scheduler.shared is not None)
