"""Train-and-record panels: fixed dev photos, each with the model's greedy caption and a reference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from dldemo.apps.caption.features import squash
from dldemo.shared.data import read_image
from dldemo.shared.live import grid
from dldemo.shared.live.hud import put_text, wrap_text

SIDE, SCALE, LINE = 256, 0.45, 20
PAPER, INK, MUTED = (250, 250, 250), (20, 90, 200), (120, 120, 120)


def captioned_photo(photo: np.ndarray, caption: str, reference: str, lines: int = 5) -> np.ndarray:
    """The photo (squashed square, as the model sees it) above its caption and, muted, a reference."""
    square = squash(photo, SIDE)
    text = np.full((LINE * lines + 8, SIDE, 3), PAPER, np.uint8)
    rows = [(line, INK) for line in wrap_text(caption, SIDE - 8, SCALE)] + [
        (line, MUTED) for line in wrap_text(reference, SIDE - 8, SCALE)
    ]
    for i, (line, colour) in enumerate(rows[:lines]):
        put_text(text, line, (4, LINE * (i + 1)), SCALE, colour)
    return np.vstack([square, text])


def render_captions(paths: list[Path], grids: np.ndarray, references: list[str]) -> Callable:
    """A function model -> RGB panel of the photos at ``paths`` with the model's greedy captions."""
    from dldemo.apps.caption.captioner import Captioner

    photos = [read_image(p) for p in paths]

    def render(model) -> np.ndarray:
        captions = Captioner(model).caption_features(grids, beam=1)
        panels = [captioned_photo(p, c.text, r) for p, c, r in zip(photos, captions, references, strict=True)]
        return grid(panels, columns=min(4, len(panels)))

    return render
