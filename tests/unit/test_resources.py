"""GPU and disk readings: a fake NVML gives numbers; no pynvml / no driver / no GPU gives a plain message."""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace

import pytest

from gateway.cli import resources
from gateway.cli.resources import GIB, DiskSpace, GpuReport, check, free_disk, read_gpus


class NVMLError(Exception):
    pass


def fake_nvml(gpus: list[dict], init_error: str = "", unsupported: tuple[str, ...] = ()) -> ModuleType:
    """A stand-in for pynvml with the calls `read_gpus` makes; `unsupported` metrics raise like NVML does."""
    nvml = ModuleType("pynvml")
    nvml.NVML_TEMPERATURE_GPU = 0
    nvml.shutdowns = 0

    def init() -> None:
        if init_error:
            raise NVMLError(init_error)

    def shutdown() -> None:
        nvml.shutdowns += 1

    def metric(name: str, value):  # type: ignore[no-untyped-def]
        def read(handle, *_args):  # type: ignore[no-untyped-def]
            if name in unsupported:
                raise NVMLError("Not Supported")
            return value(gpus[handle])
        return read

    nvml.nvmlInit = init
    nvml.nvmlShutdown = shutdown
    nvml.nvmlDeviceGetCount = lambda: len(gpus)
    nvml.nvmlDeviceGetHandleByIndex = lambda i: i
    nvml.nvmlDeviceGetName = lambda h: gpus[h]["name"]
    nvml.nvmlDeviceGetMemoryInfo = lambda h: SimpleNamespace(total=gpus[h]["total"], used=gpus[h]["used"],
                                                             free=gpus[h]["total"] - gpus[h]["used"])
    nvml.nvmlDeviceGetUtilizationRates = metric("util", lambda g: SimpleNamespace(gpu=g["util"]))
    nvml.nvmlDeviceGetTemperature = metric("temp", lambda g: g["temp"])
    nvml.nvmlDeviceGetPowerUsage = metric("power", lambda g: g["power_mw"])
    nvml.nvmlDeviceGetEnforcedPowerLimit = metric("limit", lambda g: g["limit_mw"])
    return nvml


RTX = {"name": "NVIDIA GeForce RTX 4090", "total": 24 * GIB, "used": 2 * GIB, "util": 37, "temp": 61,
       "power_mw": 123_500, "limit_mw": 450_000}


def test_fake_nvml_gives_every_number() -> None:
    nvml = fake_nvml([RTX, {**RTX, "name": b"NVIDIA A100", "used": 0}])
    report = read_gpus(nvml)
    assert report.message == ""
    first, second = report.gpus
    assert (first.index, first.name) == (0, "NVIDIA GeForce RTX 4090")
    assert (first.memoryTotalBytes, first.memoryUsedBytes, first.memoryFreeBytes) == (24 * GIB, 2 * GIB, 22 * GIB)
    assert (first.utilizationPercent, first.temperatureC) == (37, 61)
    assert first.powerW == pytest.approx(123.5)
    assert first.powerLimitW == pytest.approx(450.0)
    assert second.name == "NVIDIA A100"  # older pynvml returns bytes
    assert nvml.shutdowns == 1


def test_unsupported_metric_is_none_not_an_error() -> None:
    report = read_gpus(fake_nvml([RTX], unsupported=("power", "temp")))
    gpu = report.gpus[0]
    assert gpu.powerW is None and gpu.temperatureC is None
    assert gpu.utilizationPercent == 37
    assert "W" not in resources.describe_gpu(gpu)


def test_pynvml_absent_says_so_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    report = read_gpus()
    assert report.gpus == []
    assert report.message.startswith("No NVIDIA GPU detected")
    assert "pynvml is not installed" in report.message


def test_no_driver_says_so_plainly() -> None:
    report = read_gpus(fake_nvml([], init_error="NVML Shared Library Not Found"))
    assert report.gpus == []
    assert report.message == "No NVIDIA GPU detected (NVIDIA driver not available: NVML Shared Library Not Found)."


def test_driver_without_devices() -> None:
    report = read_gpus(fake_nvml([]))
    assert report.gpus == [] and report.message.startswith("No NVIDIA GPU detected")


def test_check_without_gpu_proceeds_on_cpu() -> None:
    disk = DiskSpace(path="./models", freeBytes=50 * GIB, totalBytes=100 * GIB)
    lines, problems = check(GpuReport(message="No NVIDIA GPU detected (pynvml is not installed)."), disk,
                            model_bytes=10**8, need_disk_bytes=GIB, need_gpu=False)
    assert problems == []
    assert lines[0] == "No NVIDIA GPU detected (pynvml is not installed). The model runs on the CPU."
    assert lines[-1] == "disk: 50.0 GiB free at ./models"


def test_check_requiring_gpu_fails_without_one() -> None:
    disk = DiskSpace(path=".", freeBytes=50 * GIB, totalBytes=100 * GIB)
    _, problems = check(GpuReport(message="No NVIDIA GPU detected (x)."), disk, 0, 0, need_gpu=True)
    assert problems == ["No NVIDIA GPU detected (x)."]


def test_check_compares_model_with_free_vram_and_disk() -> None:
    report = read_gpus(fake_nvml([RTX]))
    disk = DiskSpace(path="/m", freeBytes=5 * GIB, totalBytes=100 * GIB)
    lines, problems = check(report, disk, model_bytes=int(13.4 * GIB), need_disk_bytes=15 * GIB, need_gpu=True)
    assert "model 13.4 GiB: fits in free GPU memory" in lines
    assert problems == ["not enough disk space at /m: 5.0 GiB free, 15.0 GiB needed"]
    lines, _ = check(report, disk, model_bytes=30 * GIB, need_disk_bytes=0, need_gpu=True)
    assert any("more than the free GPU memory (22.0 GiB)" in line for line in lines)


def test_free_disk_of_a_path_not_created_yet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    disk = free_disk(tmp_path / "models" / "not-yet")
    assert 0 < disk.freeBytes <= disk.totalBytes


def test_cli_without_gpu_exits_zero(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)
    assert resources.main(["--disk-path", "."]) == 0
    assert "No NVIDIA GPU detected" in capsys.readouterr().out
    assert resources.main(["--need-gpu"]) == 1
    assert "error: No NVIDIA GPU detected" in capsys.readouterr().err
