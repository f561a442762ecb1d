"""`dldemo bench colorize`: live FPS at a given frame size and training throughput, on this machine."""

from __future__ import annotations

import cv2
import keras
import numpy as np

from dldemo.apps.colorize.data import make_batch
from dldemo.apps.colorize.evaluate import greyed
from dldemo.apps.colorize.losses import rebalanced_cross_entropy
from dldemo.apps.colorize.model import build_colorizer
from dldemo.apps.colorize.quantize import ABQuantizer
from dldemo.apps.colorize.recipes import PRESETS
from dldemo.shared.bench import live_rate, training_throughput
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.live import side_by_side


def live_fps(colorizer, side: int, frames: int) -> dict[str, float]:
    """Frames per second of the whole live step (colorize + panel) on side x side frames, and model ms."""
    photos = [cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA) for _, photo in sample_photos()]
    fps, model_ms = live_rate(
        photos,
        colorizer.colorize,
        lambda frame, coloured: side_by_side([greyed(frame), coloured, frame]),
        frames,
        warmup=len(photos),
    )
    return {"live_fps": fps, "colorize_ms": model_ms}


def training_rate(preset: str, steps: int) -> dict[str, float]:
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

    return training_throughput(model, batch, steps=steps, batch_size=recipe.batch_size, preset=preset)
