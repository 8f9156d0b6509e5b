"""Host resources: NVIDIA GPUs through NVML (pynvml) and free disk space; plain answers when absent."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

NO_GPU = "No NVIDIA GPU detected"
GIB = 2**30


@dataclass
class GpuInfo:
    """One GPU; field names are the admin API's JSON names. A metric the GPU cannot report is None."""

    index: int
    name: str
    memoryTotalBytes: int
    memoryUsedBytes: int
    memoryFreeBytes: int
    utilizationPercent: float | None = None
    temperatureC: float | None = None
    powerW: float | None = None
    powerLimitW: float | None = None


@dataclass
class GpuReport:
    """The GPUs found; `message` says in plain words why the list is empty."""

    gpus: list[GpuInfo] = field(default_factory=list)
    message: str = ""

    def best_free_bytes(self) -> int:
        return max((g.memoryFreeBytes for g in self.gpus), default=0)


@dataclass
class DiskSpace:
    path: str
    freeBytes: int
    totalBytes: int


def _load_nvml() -> ModuleType | None:
    try:
        import pynvml
    except ImportError:
        return None
    return cast(ModuleType, pynvml)


def _optional(read: Callable[[], Any], scale: float = 1.0) -> float | None:
    """A metric some GPUs do not support (NVML raises NotSupported): None instead of an error."""
    try:
        return float(read()) * scale
    except Exception:
        return None


def _gpu(nvml: ModuleType, index: int) -> GpuInfo:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    name = nvml.nvmlDeviceGetName(handle)
    memory = nvml.nvmlDeviceGetMemoryInfo(handle)
    return GpuInfo(
        index=index,
        name=name.decode() if isinstance(name, bytes) else str(name),
        memoryTotalBytes=int(memory.total),
        memoryUsedBytes=int(memory.used),
        memoryFreeBytes=int(memory.free),
        utilizationPercent=_optional(lambda: nvml.nvmlDeviceGetUtilizationRates(handle).gpu),
        temperatureC=_optional(lambda: nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)),
        powerW=_optional(lambda: nvml.nvmlDeviceGetPowerUsage(handle), 1e-3),
        powerLimitW=_optional(lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(handle), 1e-3),
    )


def read_gpus(nvml: ModuleType | None = None) -> GpuReport:
    """Read every NVIDIA GPU; never raises. `nvml` defaults to pynvml (tests pass a fake)."""
    nvml = nvml or _load_nvml()
    if nvml is None:
        return GpuReport(message=f"{NO_GPU} (pynvml is not installed).")
    try:
        nvml.nvmlInit()
    except Exception as exc:
        return GpuReport(message=f"{NO_GPU} (NVIDIA driver not available: {exc}).")
    try:
        count = int(nvml.nvmlDeviceGetCount())
        if count == 0:
            return GpuReport(message=f"{NO_GPU} (the driver reports no devices).")
        return GpuReport(gpus=[_gpu(nvml, i) for i in range(count)])
    except Exception as exc:
        return GpuReport(message=f"{NO_GPU} (NVML error: {exc}).")
    finally:
        with contextlib.suppress(Exception):
            nvml.nvmlShutdown()


def free_disk(path: str | Path) -> DiskSpace:
    """Free and total bytes of the filesystem that holds `path` (or would, once created)."""
    target = Path(path).expanduser().resolve()
    while not target.exists() and target != target.parent:
        target = target.parent
    usage = shutil.disk_usage(target)
    return DiskSpace(path=str(Path(path)), freeBytes=usage.free, totalBytes=usage.total)


def describe_gpu(gpu: GpuInfo) -> str:
    parts = [f"GPU {gpu.index}: {gpu.name}",
             f"{gpu.memoryFreeBytes / GIB:.1f} GiB free of {gpu.memoryTotalBytes / GIB:.1f} GiB"]
    if gpu.utilizationPercent is not None:
        parts.append(f"{gpu.utilizationPercent:.0f}% busy")
    if gpu.temperatureC is not None:
        parts.append(f"{gpu.temperatureC:.0f} °C")
    if gpu.powerW is not None:
        parts.append(f"{gpu.powerW:.0f} W")
    return ", ".join(parts)


def check(report: GpuReport, disk: DiskSpace, model_bytes: int, need_disk_bytes: int, need_gpu: bool) -> tuple[list[str], list[str]]:
    """Lines to print and problems that should stop the start, given the model's size on disk."""
    lines = [describe_gpu(g) for g in report.gpus] or [report.message + " The model runs on the CPU."]
    problems: list[str] = []
    if need_gpu and not report.gpus:
        problems.append(report.message)
    if report.gpus and model_bytes:
        size = f"model {model_bytes / GIB:.1f} GiB"
        if model_bytes <= report.best_free_bytes():
            lines.append(f"{size}: fits in free GPU memory")
        else:
            lines.append(f"{size}: more than the free GPU memory ({report.best_free_bytes() / GIB:.1f} GiB); "
                         "layers that do not fit run on the CPU (slower) — lower N_GPU_LAYERS if loading fails")
    lines.append(f"disk: {disk.freeBytes / GIB:.1f} GiB free at {disk.path}")
    if disk.freeBytes < need_disk_bytes:
        problems.append(f"not enough disk space at {disk.path}: {disk.freeBytes / GIB:.1f} GiB free, "
                        f"{need_disk_bytes / GIB:.1f} GiB needed")
    return lines, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.cli.resources", description=__doc__)
    parser.add_argument("--model-file", default="", help="GGUF to compare with the free GPU memory")
    parser.add_argument("--disk-path", default=".", help="where free disk space is needed")
    parser.add_argument("--need-disk-gb", type=float, default=0.0, help="fail below this much free disk")
    parser.add_argument("--need-gpu", action="store_true", help="fail without an NVIDIA GPU")
    args = parser.parse_args(argv)
    model = Path(args.model_file) if args.model_file else None
    model_bytes = model.stat().st_size if model and model.is_file() else 0
    lines, problems = check(read_gpus(), free_disk(args.disk_path), model_bytes,
                            int(args.need_disk_gb * GIB), args.need_gpu)
    for line in lines:
        print(line)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
