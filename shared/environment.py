"""What `dldemo info` reports: backend, devices, versions, data root, camera and display."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    """The CPU's marketing name where the OS tells it (Linux), else the architecture."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def accelerators() -> str:
    """The GPUs/TPUs the Keras backend sees, e.g. "1x NVIDIA H100 80GB HBM3" ("" if none)."""
    import collections

    import keras

    if keras.backend.backend() == "jax":
        import jax

        kinds = [device.device_kind for device in jax.devices() if device.platform != "cpu"]
    else:
        devices = keras.distribution.list_devices()
        kinds = [name.split(":")[0].upper() for name in devices if "cpu" not in name.lower()]
    return ", ".join(f"{count}x {kind}" for kind, count in collections.Counter(kinds).items())


def describe_machine() -> str:
    """One line naming this machine (and its accelerators), for benchmark output."""
    import os

    processor = cpu_model()
    line = f"{platform.node()} · {processor} · {os.cpu_count()} CPU cores · {platform.system()}"
    return f"{line} · {accelerators()}" if accelerators() else line


def describe_environment() -> dict[str, str]:
    import keras

    from dldemo.shared.data import data_root
    from dldemo.shared.live import has_camera, has_display
    from dldemo.shared.train.distribute import describe_distribution, list_devices, mixed_policy

    devices = list_devices()
    return {
        "dldemo": _version("dldemo"),
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "devices": ", ".join(devices) or "cpu",
        "precision": f"{keras.config.dtype_policy().name} (train --mixed-precision: {mixed_policy(devices)})",
        "distribution": describe_distribution(devices),
        "tensorflow": _version("tensorflow-cpu")
        if _version("tensorflow") == "not installed"
        else _version("tensorflow"),
        "jax": _version("jax"),
        "torch": _version("torch"),
        "machine": describe_machine(),
        "data root": str(data_root()),
        "display": "yes" if has_display() else "no (videos are written to mp4)",
        "camera 0": "yes" if has_camera(0) else "no",
    }
