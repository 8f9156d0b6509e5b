"""The admin's live fair-share view joins what each proxy process published (gateway.scheduler_view)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

from gateway.scheduler import Scheduler
from gateway.scheduler_view import merge, publish_once, read_views

URL = "http://llama:5002"


def view(depth: int, in_flight: int, keys: dict[str, tuple[int, int]], p95: float | None = None) -> dict[str, Any]:
    return {
        "enabled": True,
        "providers": [{"provider": "llama-cpp-root", "queueDepth": depth, "queueWaitMsP50": None, "queueWaitMsP95": p95,
                       "deployments": [{"url": URL, "slots": 2, "inFlight": in_flight}]}],
        "keys": [{"keyId": k, "inFlight": f, "queued": q} for k, (f, q) in keys.items()],
    }


def test_separate_processes_add_up() -> None:
    merged = merge([view(2, 1, {"a": (1, 2)}, 30.0), view(1, 1, {"a": (0, 1), "b": (1, 0)}, 80.0)], shared=False)
    provider = merged["providers"][0]
    assert provider["queueDepth"] == 3 and provider["deployments"] == [{"url": URL, "slots": 2, "inFlight": 2}]
    assert provider["queueWaitMsP95"] == 80.0
    assert sorted((k["keyId"], k["inFlight"], k["queued"]) for k in merged["keys"]) == [("a", 1, 3), ("b", 1, 0)]


def test_with_shared_slots_each_process_already_sees_every_slot() -> None:
    merged = merge([view(3, 2, {"a": (1, 1)}), view(3, 2, {"a": (1, 2)})], shared=True)
    provider = merged["providers"][0]
    assert provider["queueDepth"] == 3 and provider["deployments"][0]["inFlight"] == 2  # not doubled
    assert merged["keys"] == [{"keyId": "a", "inFlight": 2, "queued": 3}]  # per-process counts add up


def test_the_users_of_a_key_add_up_across_processes() -> None:
    first, second = view(1, 1, {"chat": (1, 2)}), view(1, 1, {"chat": (0, 1), "script": (1, 0)})
    first["keys"][0]["users"] = [{"userId": "u1", "inFlight": 1, "queued": 1}, {"userId": "u2", "inFlight": 0, "queued": 1}]
    second["keys"][0]["users"] = [{"userId": "u2", "inFlight": 0, "queued": 1}]
    merged = {k["keyId"]: k for k in merge([first, second], shared=True)["keys"]}
    assert merged["chat"]["users"] == [{"userId": "u1", "inFlight": 1, "queued": 1}, {"userId": "u2", "inFlight": 0, "queued": 2}]
    assert "users" not in merged["script"]  # a key naming no users publishes none


def test_views_of_processes_that_died_are_ignored(tmp_path: Path) -> None:
    (tmp_path / f"proxy-{os.getpid()}.json").write_text(json.dumps(view(1, 1, {})))
    (tmp_path / "proxy-999999999.json").write_text(json.dumps(view(5, 2, {})))  # no such process
    assert [v["providers"][0]["queueDepth"] for v in read_views(tmp_path)] == [1]


class FixedScheduler:
    """Stands in for the scheduler: its snapshot is whatever the test sets."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.view = view

    async def snapshot(self) -> dict[str, Any]:
        return self.view


async def test_a_view_is_written_only_when_it_changed(tmp_path: Path) -> None:
    target = tmp_path / "proxy-1.json"
    scheduler = cast(Scheduler, FixedScheduler(view(0, 0, {})))
    written = await publish_once(scheduler, target, None)
    assert json.loads(target.read_text()) == view(0, 0, {})
    target.unlink()
    written = await publish_once(scheduler, target, written)
    assert not target.exists()  # idle: nothing written again
    cast(FixedScheduler, scheduler).view = view(1, 1, {"a": (1, 0)})
    await publish_once(scheduler, target, written)
    assert json.loads(target.read_text()) == view(1, 1, {"a": (1, 0)})
