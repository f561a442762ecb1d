"""A game frame for people: the screen enlarged, with the score, the action and a Q-value bar chart."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from dldemo.apps.atari.play import Moment
from dldemo.shared.live.hud import put_text, text_size

ZOOM = 3
PANEL_WIDTH = 300
BACKGROUND, INK, MUTED = (24, 24, 28), (235, 235, 235), (150, 150, 160)
BAR, CHOSEN = (90, 110, 150), (255, 170, 40)
HUD_HEIGHT = 170


def q_value_panel(
    q_values: np.ndarray, action: int, names: Sequence[str], height: int, width: int = PANEL_WIDTH
) -> np.ndarray:
    """Horizontal bars of the Q-values (scaled between their min and max), the chosen action highlighted."""
    panel = np.full((height, width, 3), BACKGROUND, np.uint8)
    scale = 0.55
    top = min(HUD_HEIGHT, height // 3)  # the live HUD's lines sit above the chart
    put_text(panel, "Q-values", (14, top + 28), 0.7, INK)
    row = max(12, min(44, (height - top - 50) // max(1, len(names))))
    lo, hi = float(np.min(q_values)), float(np.max(q_values))
    span = hi - lo if hi > lo else 1.0
    label_width = max(text_size(name, scale)[0] for name in names) + 24
    bar_width = width - label_width - 70
    for i, (name, value) in enumerate(zip(names, q_values, strict=True)):
        y = top + 44 + i * row
        color = CHOSEN if i == action else BAR
        put_text(panel, name, (14, y + row // 2 + 5), scale, INK if i == action else MUTED)
        length = max(2, round(bar_width * (value - lo) / span))
        cv2.rectangle(panel, (label_width, y + 6), (label_width + length, y + row - 6), color, -1)
        put_text(panel, f"{value:.2f}", (label_width + length + 6, y + row // 2 + 5), 0.45, MUTED)
    return panel


def render(moment: Moment, names: Sequence[str]) -> np.ndarray:
    """[the Q-value bars | the screen x3]; the score and action go in the HUD lines above the bars."""
    screen = cv2.resize(moment.frame, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
    return np.hstack([q_value_panel(moment.q_values, moment.action, names, screen.shape[0]), screen])
