"""System page: GPUs, llama-server, gateway, database and Redis, refreshed every few seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import reflex as rx

from dictachat.admin.state import format as fmt
from dictachat.admin.state.base import AdminPage, AdminState, admin_call

REFRESH_MS = 5000


@dataclass
class GpuRow:
    index: int = 0
    name: str = ""
    memory: str = ""
    memory_pct: int = 0
    utilization: str = ""
    utilization_pct: int = 0
    temperature: str = ""
    power: str = ""


@dataclass
class LlamaView:
    url: str = ""
    healthy: bool = False
    status: str = ""
    model: str = ""
    context: str = "—"
    tokens_per_second: str = "—"
    prompt_tokens_per_second: str = "—"
    slots: str = "—"


def _gib(n_bytes: float | None) -> str:
    return f"{(n_bytes or 0) / 2**30:.1f} GiB"


def gpu_row(gpu: dict[str, Any]) -> GpuRow:
    used, total = gpu.get("memoryUsedBytes") or 0, gpu.get("memoryTotalBytes") or 0
    util = gpu.get("utilizationPercent")
    temp = gpu.get("temperatureC")
    power, limit = gpu.get("powerW"), gpu.get("powerLimitW")
    return GpuRow(
        index=int(gpu.get("index", 0)),
        name=str(gpu.get("name", "GPU")),
        memory=f"{_gib(used)} / {_gib(total)}",
        memory_pct=round(100 * used / total) if total else 0,
        utilization=f"{util:.0f}%" if util is not None else "—",
        utilization_pct=int(util or 0),
        temperature=f"{temp:.0f} °C" if temp is not None else "—",
        power=(f"{power:.0f} W" + (f" / {limit:.0f} W" if limit else "")) if power is not None else "—",
    )


def llama_view(llama: dict[str, Any]) -> LlamaView:
    def num(value: Any, suffix: str = "") -> str:
        return f"{value:,}{suffix}" if isinstance(value, int) else (f"{value:,.1f}{suffix}" if isinstance(value, float) else "—")

    return LlamaView(
        url=llama.get("url", ""),
        healthy=bool(llama.get("healthy")),
        status=llama.get("status", ""),
        model=llama.get("model") or "—",
        context=num(llama.get("contextSize")),
        tokens_per_second=num(llama.get("tokensPerSecond"), " tok/s"),
        prompt_tokens_per_second=num(llama.get("promptTokensPerSecond"), " tok/s"),
        slots=num(llama.get("slots")),
    )


def uptime(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"


class SystemState(AdminPage, AdminState):
    gpus: list[GpuRow] = []
    gpu_message: str = ""
    llama: LlamaView = LlamaView()
    version: str = ""
    uptime: str = ""
    database_ok: bool = False
    database_kind: str = ""
    redis: str = ""
    refreshed: str = ""
    loaded: bool = False

    @rx.event
    @admin_call(loading=False)
    async def load(self):
        """First load shows skeletons; later refreshes update in place."""
        if not self.loaded:
            self.loading = True
            yield
        snap = await self._api().system()
        self.error = ""
        self.gpus = [gpu_row(g) for g in snap.get("gpus") or []]
        self.gpu_message = snap.get("gpuMessage") or ""
        self.llama = llama_view(snap.get("llama") or {})
        gateway = snap.get("gateway") or {}
        self.version, self.uptime = gateway.get("version", ""), uptime(gateway.get("uptimeS", 0))
        database = snap.get("database") or {}
        self.database_ok, self.database_kind = bool(database.get("ok")), database.get("kind", "")
        redis = snap.get("redis")
        self.redis = "off" if redis is None else ("ok" if redis.get("ok") else "down")
        self.refreshed = fmt.stamp(time.time())
        self.loading, self.loaded = False, True

    @rx.event
    def tick(self, _now: str = ""):
        """Called by the page's timer; skipped while the previous load is still running."""
        if self.signed_in and not self.loading:
            return SystemState.load
