"""System page, fair-share section: model slots, in flight, queues and per-key use, refreshed every second or two."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from dictachat.admin.client import AdminError
from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminState, NotSignedIn

SHARE_REFRESH_MS = 1500


@dataclass
class DeploymentRow:
    provider: str = ""
    url: str = ""
    slots: str = ""
    in_flight: int = 0
    busy_pct: int = 0
    queued: int = 0
    wait: str = ""


@dataclass
class KeyShareRow:
    """A key's row, or (`user`) the row of one of its users, nested under it."""

    name: str = ""
    in_flight: int = 0
    queued: int = 0
    concurrent: str = ""
    tokens: str = ""
    priority: int = 1
    user: bool = False


def deployment_rows(view: dict[str, Any]) -> list[DeploymentRow]:
    """One row per deployment; the queue and its waits belong to the provider (any deployment may take a waiter)."""
    rows = []
    for lane in view.get("providers") or []:
        wait = f"{fmt.ms(lane.get('queueWaitMsP50'))} / {fmt.ms(lane.get('queueWaitMsP95'))}"
        for dep in lane.get("deployments") or []:
            slots, in_flight = dep.get("slots"), int(dep.get("inFlight") or 0)
            rows.append(DeploymentRow(
                provider=lane.get("provider", ""), url=dep.get("url", ""),
                slots=str(slots) if slots else "—", in_flight=in_flight,
                busy_pct=min(100, round(100 * in_flight / slots)) if slots else 0,
                queued=int(lane.get("queueDepth") or 0), wait=wait,
            ))
    return rows


def key_rows(view: dict[str, Any]) -> list[KeyShareRow]:
    """One row per key, each followed by rows for the users it named (a key that vouches for users)."""
    rows = []
    for key in view.get("keys") or []:
        tokens = "—"
        if key.get("tokensThisWindow") is not None:
            tokens = f"{fmt.count(key['tokensThisWindow'])} / {fmt.count(key.get('tokenLimitOverTime'))} per {key.get('tokenLimitUnit')}"
        cap = key.get("maxConcurrentRequests") or 0
        rows.append(KeyShareRow(
            name=key.get("name") or key.get("keyId", ""), in_flight=int(key.get("inFlight") or 0),
            queued=int(key.get("queued") or 0),
            concurrent=f"{key.get('concurrent') or 0} / {cap}" if cap else "—",
            tokens=tokens, priority=int(key.get("priority") or 1),
        ))
        rows.extend(KeyShareRow(name=user.get("name") or user.get("userId", ""), in_flight=int(user.get("inFlight") or 0),
                                queued=int(user.get("queued") or 0), user=True) for user in key.get("users") or [])
    return rows


class ShareState(AdminState):
    """The live fair-share view; its own fast timer, apart from the slower GPU and service probes."""

    enabled: bool = True
    deployments: list[DeploymentRow] = []
    keys: list[KeyShareRow] = []
    share_error: str = ""
    busy: bool = False

    @rx.event
    async def refresh(self, _now: str = ""):
        if not self.signed_in or self.busy:
            return
        self.busy = True
        try:
            view = await self._api().scheduler()
        except (NotSignedIn, AdminError) as exc:
            self.share_error = getattr(exc, "message", "")
            return
        finally:
            self.busy = False
        self.share_error = ""
        self.enabled = bool(view.get("enabled", True))
        self.deployments = deployment_rows(view)
        self.keys = key_rows(view)
