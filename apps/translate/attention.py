"""Attention heatmaps: which source subwords each output subword looked at."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from dldemo.apps.translate.translator import Translation
from dldemo.shared.live.hud import put_text, text_size

CELL, SCALE = 48, 0.8  # sized for a projector: a 12-subword sentence makes a figure about 1000 px wide
INK, PAPER = (30, 30, 30), (255, 255, 255)
BAR_WIDTH = 24


def _label(text: str) -> np.ndarray:
    """``text`` drawn on a white strip one cell tall."""
    width, above, below = text_size(text, SCALE)
    strip = np.full((CELL, width + 8, 3), PAPER, np.uint8)
    put_text(strip, text, (4, (CELL + above - below) // 2), SCALE, INK)
    return strip


def attention_figure(translation: Translation) -> np.ndarray:
    """The heatmap with the sentence and its translation as a title and a colour bar for the weights."""
    heatmap = attention_image(translation)
    bar = colour_bar(heatmap.shape[0])
    body = np.hstack([heatmap, np.full((heatmap.shape[0], CELL // 2, 3), PAPER, np.uint8), bar])
    title = [_label(translation.source), _label(f"-> {translation.text}")]
    return _stack([*title, body])


def colour_bar(height: int) -> np.ndarray:
    """A vertical scale from attention weight 1 (black, top) to 0 (white, bottom), labelled."""
    top, bottom = _label("1"), _label("0")
    span = max(1, height - top.shape[0] - bottom.shape[0])
    ramp = np.repeat(np.linspace(0, 255, span, dtype=np.float32)[:, None], BAR_WIDTH, axis=1).astype(np.uint8)
    ramp = np.repeat(ramp[..., None], 3, axis=2)
    return _stack([top, ramp, bottom])


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    """``parts`` one under another, left-aligned on white."""
    width = max(part.shape[1] for part in parts)
    return np.vstack([np.pad(part, ((0, 0), (0, width - part.shape[1]), (0, 0)), constant_values=255)
                      for part in parts])  # fmt: skip


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
    if not cv2.imwrite(str(path), cv2.cvtColor(attention_figure(translation), cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path
