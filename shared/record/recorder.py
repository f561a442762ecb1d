"""One video of a fixed panel rendered at checkpoints of training, each with a caption bar."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from dldemo.shared.live.hud import put_text, text_size
from dldemo.shared.live.panels import BACKGROUND, as_rgb
from dldemo.shared.live.video import Mp4Writer


def captioned(panel: np.ndarray, caption: str, *, min_width: int = 480) -> np.ndarray:
    """``panel`` (enlarged by a whole factor to at least ``min_width``) above a bar with ``caption``."""
    panel = as_rgb(panel)
    factor = -(-min_width // panel.shape[1])
    if factor > 1:
        panel = cv2.resize(panel, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    width = panel.shape[1]
    scale = min(1.2, max(0.5, width / 800))
    text_w = text_size(caption, scale)[0]
    if text_w > width - 16:  # long captions shrink to fit
        scale = scale * (width - 16) / text_w
    _, above, below = text_size(caption, scale)
    bar = np.full((above + below + max(8, round(20 * scale)), width, 3), BACKGROUND, np.uint8)
    put_text(bar, caption, (8, (bar.shape[0] + above - below) // 2), scale, (240, 240, 240))
    return np.vstack([panel, bar])


class TrainingRecorder:
    """Append captioned panels to an MP4, each held for ``hold`` frames (``hold / fps`` seconds)."""

    def __init__(self, path: str | Path, *, fps: float = 2.0, hold: int = 2) -> None:
        if hold < 1:
            raise ValueError(f"hold must be >= 1, got {hold}")
        self.hold = hold
        self.writer = Mp4Writer(path, fps)

    @property
    def path(self) -> Path:
        return self.writer.path

    @property
    def frames_written(self) -> int:
        return self.writer.frames_written

    def add(self, panel_rgb: np.ndarray, caption: str) -> None:
        """Write ``panel_rgb`` with ``caption`` (e.g. "epoch 3 · PSNR 23.1 dB") for ``hold`` frames."""
        frame = captioned(panel_rgb, caption)
        for _ in range(self.hold):
            self.writer.write(frame)

    def close(self) -> Path:
        """Finish the MP4 and return its path."""
        return self.writer.close()
