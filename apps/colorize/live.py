"""`dldemo run colorize`: [grey input | colorized | original] for every frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dldemo.apps.colorize.data import WORKING_SIDE
from dldemo.apps.colorize.evaluate import greyed
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.live import open_source, run_live, side_by_side

DISPLAY_SIDE = 480  # frames are shown (and colorized at full display resolution) with this long side


def run_colorize(colorizer, *, source: str | None, output: str | None, max_frames: int | None) -> Path | None:
    """Colorize a live source; without a display (or with --output) the result is an mp4."""

    def process(frame: np.ndarray) -> tuple[np.ndarray, list[str]]:
        coloured = colorizer.colorize(frame)
        panel = side_by_side([greyed(frame), coloured, frame], ["grey input", "colorized", "original"])
        settings = f"T={colorizer.temperature:g}, chroma x{colorizer.chroma_gain:g}"
        return panel, [f"{colorizer.mode}, {settings}, model at {WORKING_SIDE}px"]

    return run_live(
        app="colorize",
        source=open_source(source, samples=sample_photos(), max_side=DISPLAY_SIDE),
        process=process,
        output=output,
        max_frames=max_frames,
        warmup=2,  # TensorFlow traces twice: for the shape, then with relaxed shapes
    )
