"""Compose several images into one frame: side by side with labels, or in a grid."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from dldemo.shared.live.hud import font_scale, put_text, text_size

BACKGROUND = (24, 24, 24)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """RGB uint8 HxWx3 from uint8/bool/float ([0, 1]) images, grey (HxW, HxWx1) or RGB."""
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = (np.clip(np.nan_to_num(image.astype(np.float32)), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a grey or RGB image, got shape {image.shape}")
    return image


def resize_to_height(image: np.ndarray, height: int) -> np.ndarray:
    """Scale to ``height`` keeping the aspect; big enlargements stay pixel-sharp (nearest neighbour)."""
    h, w = image.shape[:2]
    if h == height:
        return image
    scale = height / h
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST if scale >= 2 else cv2.INTER_LINEAR
    return cv2.resize(image, (max(1, round(w * scale)), height), interpolation=interpolation)


def _label_strip(labels: Sequence[str], widths: Sequence[int], gap: int, height: int) -> np.ndarray:
    scale = font_scale(2 * height)
    _, above, below = text_size("Ag", scale)
    strip_h = above + below + max(6, round(12 * scale))
    strip = np.full((strip_h, sum(widths) + gap * (len(widths) - 1), 3), BACKGROUND, np.uint8)
    x = 0
    for label, width in zip(labels, widths, strict=True):
        label_scale = scale
        label_w = text_size(label, label_scale)[0]
        if label_w > width - 4:  # shrink long labels to fit their panel
            label_scale = max(0.3, scale * (width - 4) / max(1, label_w))
            label_w = text_size(label, label_scale)[0]
        baseline = (strip_h + above - below) // 2
        put_text(strip, label, (x + max(0, (width - label_w) // 2), baseline), label_scale, (235, 235, 235))
        x += width + gap
    return strip


def side_by_side(
    panels: Sequence[np.ndarray], labels: Sequence[str] = (), *, height: int | None = None, gap: int = 4
) -> np.ndarray:
    """Panels scaled to one height (default: the tallest), ``gap`` px apart, labels on a strip above."""
    if not panels:
        raise ValueError("side_by_side needs at least one panel")
    if labels and len(labels) != len(panels):
        raise ValueError(f"got {len(labels)} labels for {len(panels)} panels")
    height = height or max(np.asarray(p).shape[0] for p in panels)
    images = [resize_to_height(as_rgb(p), height) for p in panels]
    row = np.full(
        (height, sum(i.shape[1] for i in images) + gap * (len(images) - 1), 3), BACKGROUND, np.uint8
    )
    x = 0
    for image in images:
        row[:, x : x + image.shape[1]] = image
        x += image.shape[1] + gap
    if not labels:
        return row
    strip = _label_strip(labels, [i.shape[1] for i in images], gap, height)
    return np.vstack([strip, row])


def grid(
    panels: Sequence[np.ndarray],
    columns: int,
    labels: Sequence[str] = (),
    *,
    height: int | None = None,
    gap: int = 4,
) -> np.ndarray:
    """Rows of ``columns`` panels (see side_by_side), all rows one panel height, left-aligned."""
    if columns < 1 or not panels:
        raise ValueError(f"grid needs panels and columns >= 1, got {len(panels)} panels, {columns} columns")
    if labels and len(labels) != len(panels):
        raise ValueError(f"got {len(labels)} labels for {len(panels)} panels")
    height = height or max(np.asarray(p).shape[0] for p in panels)
    rows = [
        side_by_side(panels[i : i + columns], labels[i : i + columns], height=height, gap=gap)
        for i in range(0, len(panels), columns)
    ]
    canvas = np.full(
        (sum(r.shape[0] for r in rows) + gap * (len(rows) - 1), max(r.shape[1] for r in rows), 3),
        BACKGROUND,
        np.uint8,
    )
    y = 0
    for row in rows:
        canvas[y : y + row.shape[0], : row.shape[1]] = row
        y += row.shape[0] + gap
    return canvas
