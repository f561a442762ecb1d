"""The timing behind every `dldemo bench`: warm up, then time; the machine and backend with the numbers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def bench_header() -> dict[str, str]:
    """What the numbers ran on: the machine (CPU, cores, accelerators) and the Keras backend."""
    import keras

    from dldemo.shared.environment import describe_machine

    return {"machine": describe_machine(), "backend": keras.backend.backend()}


def seconds_per_call(call: Callable[[], object], calls: int, *, warmup: int = 1) -> float:
    """Mean wall seconds of ``call()`` over ``calls`` calls, after ``warmup`` untimed ones (compilation)."""
    for _ in range(warmup):
        call()
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls


def live_rate(
    frames: Sequence[Any],
    model: Callable[[Any], Any],
    show: Callable[[Any, Any], object],
    count: int,
    *,
    warmup: int = 2,
) -> tuple[float, float]:
    """(frames per second of the whole live step, model milliseconds per frame) over ``count`` frames
    cycling through ``frames``; ``model(frame)`` is timed on its own, ``show(frame, output)`` draws."""
    for frame in list(frames)[:warmup]:  # compile for this frame size
        model(frame)
    model_seconds, start = 0.0, time.perf_counter()
    for i in range(count):
        frame = frames[i % len(frames)]
        t0 = time.perf_counter()
        output = model(frame)
        model_seconds += time.perf_counter() - t0
        show(frame, output)
    return count / (time.perf_counter() - start), 1000 * model_seconds / count


def training_throughput(
    model, batch: Callable[[], tuple], *, steps: int, batch_size: int, preset: str
) -> dict[str, Any]:
    """Training images/s and seconds per step of a compiled ``model`` on ``batch()`` (called every step,
    so data preparation counts, as in training), after one untimed compiling step."""
    seconds = seconds_per_call(lambda: model.train_on_batch(*batch()), steps)
    return {"train_images_per_s": batch_size / seconds, "train_step_s": seconds, "train_preset": preset}
