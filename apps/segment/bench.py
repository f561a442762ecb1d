"""`dldemo bench segment`: live FPS at CamVid's 480x360 and training throughput, on this machine."""

from __future__ import annotations

import time

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


def frames_of_size(width: int, height: int) -> list[np.ndarray]:
    return [cv2.resize(photo, (width, height), interpolation=cv2.INTER_AREA) for _, photo in sample_photos()]


def live_fps(
    segmenter: Segmenter, width: int, height: int, frames: int, max_side: int | None = None
) -> dict[str, float]:
    """Frames per second of the whole live step (segment + overlay + legend), and model milliseconds."""
    photos = frames_of_size(width, height)
    for photo in photos[:2]:  # warm-up: compile for this shape
        segmenter.segment(photo, max_side)
    model_seconds, start = 0.0, time.perf_counter()
    for i in range(frames):
        frame = photos[i % len(photos)]
        t0 = time.perf_counter()
        labels = segmenter.segment(frame, max_side)
        model_seconds += time.perf_counter() - t0
        painted = overlay(frame, labels, segmenter.labels.palette, 0.6)
        np.hstack(
            [painted, legend(segmenter.labels, height, class_shares(labels, segmenter.labels.num_classes))]
        )
    elapsed = time.perf_counter() - start
    return {"live_fps": frames / elapsed, "segment_ms": 1000 * model_seconds / frames}


def training_throughput(preset: str, steps: int) -> dict[str, float]:
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
            augment(photos[i], masks[i], rng, tuple(recipe.crop), tuple(recipe.scales))
            for i in rng.integers(0, len(photos), recipe.batch_size)
        ]
        return np.stack([p[0] for p in pairs]).astype(np.float32), np.stack([p[1] for p in pairs])

    model.train_on_batch(*batch())  # compile
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(*batch())
    elapsed = time.perf_counter() - start
    return {
        "train_images_per_s": steps * recipe.batch_size / elapsed,
        "train_step_s": elapsed / steps,
        "train_preset": preset,
        "train_crop": f"{recipe.crop[1]}x{recipe.crop[0]}",
    }
