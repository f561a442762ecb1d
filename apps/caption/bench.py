"""Captioning speed: encoder ms, decoder ms per caption (greedy and beam), the live view's FPS while
captions refresh in the background, and training images/s on cached grids."""

from __future__ import annotations

import time

import keras
import numpy as np

from dldemo.apps.caption.captioner import Captioner
from dldemo.apps.caption.live import SAMPLES, LiveCaptions, caption_strip
from dldemo.apps.caption.model import CoverageLoss, MaskedCaptionLoss, build_captioner
from dldemo.apps.caption.recipes import PRESETS
from dldemo.shared.bench import seconds_per_call, training_throughput
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.live import draw_hud
from dldemo.shared.live.video import fit_into

CAMERA_FPS = 30  # the live view is paced like a webcam, which delivers at most this many frames/s
TYPICAL_WORDS = 11  # a Flickr8k caption's length (words) for the training batches


def caption_speed(captioner: Captioner, beam: int, calls: int) -> dict:
    """Milliseconds of the CNN and of the decoder (greedy and at ``beam``) for one photo."""
    photo = sample_photos(SAMPLES)[0][1]
    grids = captioner.features([photo])
    encoder = seconds_per_call(lambda: captioner.features([photo]), calls)
    greedy = seconds_per_call(lambda: captioner.decode(grids, beam=1), calls)
    beamed = seconds_per_call(lambda: captioner.decode(grids, beam=beam), calls)
    return {
        "encoder_ms": 1000 * encoder,
        "greedy_decoder_ms": 1000 * greedy,
        f"beam{beam}_decoder_ms": 1000 * beamed,
    }


def live_speed(captioner: Captioner, beam: int, seconds: float) -> dict:
    """Frames/s shown and captions/s made by the live view on a webcam-paced stream of 640 px photos."""
    frames = [fit_into(photo, 480, 640) for _, photo in sample_photos(SAMPLES)]
    live = LiveCaptions(captioner, beam=beam, wait=False)
    shown, made, last = 0, 0, None
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            tick = time.perf_counter()
            live.update(frames[shown // CAMERA_FPS % len(frames)])
            made += live.caption is not last
            last = live.caption
            draw_hud(np.vstack([frames[0], caption_strip(live.caption, 640)]), ["caption"])
            shown += 1
            time.sleep(max(0.0, 1 / CAMERA_FPS - (time.perf_counter() - tick)))
    finally:
        live.close()
    elapsed = time.perf_counter() - start
    return {"live_fps": shown / elapsed, "live_captions_per_s": made / elapsed}


def training_speed(preset: str, steps: int) -> dict:
    """Training images/s (captions/s) of the preset's decoder on random cached-grid batches."""
    recipe = PRESETS[preset]
    words = ["<pad>", "<bos>", "<eos>", "<unk>", *(f"w{i}" for i in range(2500))]
    model = build_captioner(recipe.shape, words)
    model.compile(
        keras.optimizers.Adam(recipe.learning_rate),
        loss={"logits": MaskedCaptionLoss(), "coverage": CoverageLoss()},
    )
    rng = np.random.default_rng(0)
    grid_shape = model.inputs[0].shape[1:]
    size, width = recipe.batch_size, TYPICAL_WORDS + 1

    def batch():
        grids = rng.standard_normal((size, *grid_shape), dtype=np.float32)
        ids = rng.integers(4, len(words), (size, width)).astype("int32")
        return (grids, ids), {"logits": ids, "coverage": np.zeros((size, 1), "float32")}

    return training_throughput(model, batch, steps=steps, batch_size=size, preset=preset)
