"""`dldemo bench colorize`: live FPS at a given frame size and training throughput, on this machine."""

from __future__ import annotations

import time

import cv2
import keras
import numpy as np

from dldemo.apps.colorize.data import make_batch
from dldemo.apps.colorize.evaluate import greyed
from dldemo.apps.colorize.losses import rebalanced_cross_entropy
from dldemo.apps.colorize.model import build_colorizer
from dldemo.apps.colorize.quantize import ABQuantizer
from dldemo.apps.colorize.recipes import PRESETS
from dldemo.apps.colorize.samples import sample_photos
from dldemo.shared.live import side_by_side


def live_fps(colorizer, side: int, frames: int) -> dict[str, float]:
    """Frames per second of the whole live step (colorize + panel) on side x side frames, and model ms."""
    photos = [cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA) for _, photo in sample_photos()]
    for photo in photos:  # warm-up: compile for this shape
        colorizer.colorize(photo)
    model_seconds, start = 0.0, time.perf_counter()
    for i in range(frames):
        frame = photos[i % len(photos)]
        t0 = time.perf_counter()
        coloured = colorizer.colorize(frame)
        model_seconds += time.perf_counter() - t0
        side_by_side([greyed(frame), coloured, frame])
    elapsed = time.perf_counter() - start
    return {"live_fps": frames / elapsed, "colorize_ms": 1000 * model_seconds / frames}


def training_throughput(preset: str, steps: int) -> dict[str, float]:
    """Training images/s of a preset's model and batch on random photos (data preparation included)."""
    recipe = PRESETS[preset]
    quantizer = ABQuantizer.create()
    model = build_colorizer(quantizer.num_bins, width=recipe.width, encoder=recipe.encoder)
    model.compile(keras.optimizers.Adam(recipe.learning_rate), loss=rebalanced_cross_entropy)
    rng = np.random.default_rng(0)
    photos = [photo for _, photo in sample_photos()]

    def batch():
        indices = rng.integers(0, len(photos), recipe.batch_size)
        return make_batch(photos, indices, rng, crop=recipe.crop, quantizer=quantizer)

    model.train_on_batch(*batch())  # compile
    start = time.perf_counter()
    for _ in range(steps):  # data preparation is part of each step, as in training
        model.train_on_batch(*batch())
    elapsed = time.perf_counter() - start
    return {
        "train_images_per_s": steps * recipe.batch_size / elapsed,
        "train_step_s": elapsed / steps,
        "train_preset": preset,
    }
