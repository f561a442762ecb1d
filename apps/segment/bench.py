"""`dldemo bench segment`: live FPS at CamVid's 480x360 and training throughput, on this machine."""

from __future__ import annotations

import cv2
import keras
import numpy as np

from dldemo.apps.segment.augment import augment
from dldemo.apps.segment.labels import CAMVID, IGNORE
from dldemo.apps.segment.live import class_shares, legend
from dldemo.apps.segment.losses import MaskedCrossEntropy
from dldemo.apps.segment.model import build_segmenter
from dldemo.apps.segment.predict import Segmenter, overlay
from dldemo.apps.segment.recipes import PRESETS
from dldemo.apps.segment.samples import sample_photos
from dldemo.shared import bench
from dldemo.shared.errors import UserError


def frames_of_size(width: int, height: int) -> list[np.ndarray]:
    return [cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA) for _, photo in sample_photos()]


def live_fps(
    segmenter: Segmenter, width: int, height: int, frames: int, max_side: int | None = None
) -> dict[str, float]:
    """Frames per second of the whole live step (segment + overlay + legend), and model milliseconds."""
    labels = segmenter.labels

    def show(frame: np.ndarray, predicted: np.ndarray) -> None:
        shares = class_shares(predicted, labels.num_classes)
        np.hstack([overlay(frame, predicted, labels.palette, 0.6), legend(labels, height, shares)])

    fps, model_ms = bench.live_rate(
        frames_of_size(width, height), lambda frame: segmenter.segment(frame, max_side), show, frames
    )
    return {"live_fps": fps, "segment_ms": model_ms}


def training_throughput(preset: str, steps: int) -> dict:
    """Training images/s of a preset's model, crops and batch on random label maps (augmentation included)."""
    recipe = PRESETS[preset]
    model = build_segmenter(CAMVID.num_classes, width=recipe.width, encoder=recipe.encoder)
    model.compile(keras.optimizers.AdamW(recipe.learning_rate), loss=MaskedCrossEntropy())
    rng = np.random.default_rng(0)
    photos = frames_of_size(480, 360)
    masks = [rng.integers(0, CAMVID.num_classes, (360, 480)).astype(np.uint8) for _ in photos]
    masks[0][:40] = IGNORE

    def batch():
        pairs = [
            augment(photos[i], masks[i], rng, recipe.crop, recipe.scales)
            for i in rng.integers(0, len(photos), recipe.batch_size)
        ]
        return np.stack([p[0] for p in pairs]).astype(np.float32), np.stack([p[1] for p in pairs])

    numbers = bench.training_throughput(
        model, batch, steps=steps, batch_size=recipe.batch_size, preset=preset
    )
    return {**numbers, "train_crop": f"{recipe.crop[1]}x{recipe.crop[0]}"}


def benchmark(weights: str | None, size: str, max_side: int | None, frames: int, preset: str, steps: int):
    """The numbers of `dldemo bench segment`: machine, live rate at `size` (WIDTHxHEIGHT) and training."""
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise UserError(f"--size takes WIDTHxHEIGHT such as 480x360, got {size!r}") from None
    return {
        **bench.bench_header(),
        "size": f"{width}x{height}",
        "max_side": max_side,
        **live_fps(Segmenter.from_preset(weights), width, height, frames, max_side),
        **training_throughput(preset, steps),
    }
