"""`dldemo run segment`: the frame painted by class, with a legend; `o` cycles the overlay opacity."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dldemo.apps.segment.labels import LabelSpace
from dldemo.apps.segment.predict import Segmenter, overlay
from dldemo.apps.segment.samples import sample_photos
from dldemo.shared.live import open_source, run_live
from dldemo.shared.live.hud import font_scale, put_text, text_size

DISPLAY_SIDE = 480  # frames are shown (and segmented) with this long side: CamVid's 480x360
OPACITIES = (0.6, 1.0, 0.0, 0.35)  # the `o` key steps through these
LEGEND_BACKGROUND = (24, 24, 24)


def legend(labels: LabelSpace, height: int, shares: np.ndarray | None = None) -> np.ndarray:
    """A panel `height` tall listing each class beside its colour swatch (and its share of the frame)."""
    rows = labels.num_classes
    row_h = max(1, height // rows)
    _, above, below = text_size("Ag", 1.0)
    scale = min(font_scale(height), 0.7 * row_h / (above + below))  # the text fits its row
    names = list(labels.names)
    if shares is not None:
        names = [f"{name} {100 * share:.0f}%" for name, share in zip(names, shares, strict=True)]
    swatch = max(1, row_h - 4)
    width = 8 + swatch + 8 + max(text_size(n, scale)[0] for n in names) + 8
    panel = np.full((height, width, 3), LEGEND_BACKGROUND, np.uint8)
    _, above, below = text_size("Ag", scale)
    for i, (name, colour) in enumerate(zip(names, labels.palette, strict=True)):
        top = i * row_h + (row_h - swatch) // 2
        panel[top : top + swatch, 8 : 8 + swatch] = colour
        put_text(panel, name, (16 + swatch, top + (swatch + above - below) // 2), scale, (235, 235, 235))
    return panel


def class_shares(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Fraction of the frame's pixels given to each class."""
    return np.bincount(labels.ravel(), minlength=num_classes)[:num_classes] / labels.size


def run_segment(
    segmenter: Segmenter,
    *,
    source: str | None,
    output: str | None,
    max_frames: int | None,
    max_side: int | None = None,
) -> Path | None:
    """Segment a live source; without a display (or with --output) the result is an mp4."""
    frames = open_source(source, samples=sample_photos(), max_side=DISPLAY_SIDE)
    opacity = {"index": 0}

    def next_opacity() -> str:
        opacity["index"] = (opacity["index"] + 1) % len(OPACITIES)
        return f"overlay opacity {OPACITIES[opacity['index']]:.0%}"

    def process(frame: np.ndarray) -> tuple[np.ndarray, list[str]]:
        labels = segmenter.segment(frame, max_side)
        painted = overlay(frame, labels, segmenter.labels.palette, OPACITIES[opacity["index"]])
        shares = class_shares(labels, segmenter.labels.num_classes)
        panel = np.hstack([painted, legend(segmenter.labels, frame.shape[0], shares)])
        size = f"{frame.shape[1]}x{frame.shape[0]}" if max_side is None else f"long side {max_side}"
        return panel, [f"model at {size}"]

    return run_live(
        app="segment",
        source=frames,
        process=process,
        output=output,
        max_frames=max_frames,
        keys={"o": next_opacity},
        key_help={"o": "overlay opacity"},
        warmup=2,  # compiles before the clock starts; TensorFlow traces twice (the shape, then relaxed)
    )
