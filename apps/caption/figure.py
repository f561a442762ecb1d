"""Where the model looked: attention maps over a photo, and the paper's figure (one panel per word)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from dldemo.apps.caption.captioner import Caption
from dldemo.shared.errors import UserError
from dldemo.shared.live import grid
from dldemo.shared.live.panels import resize_to_height

PANEL_HEIGHT = 160
COLUMNS = 5
DIM = 0.2  # brightness of the least attended region
HEAT = 0.35  # weight of the heat-map colours laid over the attended region


def attention_map(alpha: np.ndarray, height: int, width: int) -> np.ndarray:
    """One step's attention (grid, grid) as a smooth (height, width) map scaled to 0-1.

    The photo was squashed to the CNN's square, so the grid stretches back over the whole photo."""
    smooth = cv2.resize(alpha.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    smooth -= smooth.min()
    return smooth / max(float(smooth.max()), 1e-12)


def overlay(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``image`` lit and warm where the model looked, dimmed elsewhere."""
    weight = attention_map(alpha, *image.shape[:2])
    heat = cv2.cvtColor(
        cv2.applyColorMap((255 * weight).astype(np.uint8), cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB
    )
    lit = image * (DIM + (1 - DIM) * weight[..., None])
    return ((1 - HEAT) * lit + HEAT * heat * weight[..., None]).clip(0, 255).astype(np.uint8)


def attention_figure(image: np.ndarray, caption: Caption, *, height: int = PANEL_HEIGHT) -> np.ndarray:
    """The photo, then one panel per word (and the end of the caption) lit where that word looked."""
    photo = resize_to_height(image, height)
    words = [*caption.words, "<end>"][: len(caption.attention)]
    panels = [photo, *(overlay(photo, alpha) for alpha in caption.attention[: len(words)])]
    return grid(panels, COLUMNS, ["photo", *words])


def save_attention_figure(image: np.ndarray, caption: Caption, path: str | Path) -> Path:
    """Write the attention figure as PNG; returns its path."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise UserError(f"--attention {path}: give a .png (or .jpg) file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(attention_figure(image, caption), cv2.COLOR_RGB2BGR)):
        raise UserError(f"cannot write {path}: check the folder exists and is writable")
    return path
