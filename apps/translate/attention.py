"""Attention heatmaps: which source subwords each output subword looked at."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from dldemo.apps.translate.translator import Translation
from dldemo.shared.live.hud import put_text, text_size

CELL, SCALE = 30, 0.5
INK, PAPER = (30, 30, 30), (255, 255, 255)


def _label(text: str) -> np.ndarray:
    """``text`` drawn on a white strip one cell tall."""
    width, above, below = text_size(text, SCALE)
    strip = np.full((CELL, width + 8, 3), PAPER, np.uint8)
    put_text(strip, text, (4, (CELL + above - below) // 2), SCALE, INK)
    return strip


def attention_image(translation: Translation) -> np.ndarray:
    """Rows: output subwords; columns: source subwords; darker = more attention (RGB uint8)."""
    weights = np.asarray(translation.attention, np.float32)
    rows, cols = weights.shape
    row_labels = [_label(p) for p in translation.target_pieces[:rows]]
    col_labels = [np.rot90(_label(p)) for p in translation.source_pieces[:cols]]
    left = max(label.shape[1] for label in row_labels) if row_labels else 0
    top = max(label.shape[0] for label in col_labels) if col_labels else 0
    image = np.full((top + rows * CELL + 8, left + cols * CELL + 8, 3), PAPER, np.uint8)
    shade = (255 * (1 - np.clip(weights, 0, 1))).astype(np.uint8)
    cells = cv2.resize(shade, (cols * CELL, rows * CELL), interpolation=cv2.INTER_NEAREST)
    image[top : top + rows * CELL, left : left + cols * CELL] = cells[..., None]
    for i, label in enumerate(row_labels):
        image[top + i * CELL : top + (i + 1) * CELL, left - label.shape[1] : left] = label
    for j, label in enumerate(col_labels):
        image[top - label.shape[0] : top, left + j * CELL : left + (j + 1) * CELL] = label[:, :CELL]
    return image


def save_attention(translation: Translation, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(attention_image(translation), cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path
