"""Readable text on frames: OpenCV's Hershey font, sized to the frame, on translucent dark boxes."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
# OpenCV 5 draws UTF-8 text; the Hershey fonts of OpenCV 4 are ASCII-only, so there put_text draws
# "·" as a filled circle and replaces a few other common characters.
_UNICODE = int(cv2.__version__.split(".")[0]) >= 5
_DOT = "\u00b7"
_ASCII = str.maketrans({"\u2013": "-", "\u2014": "-", "\u00d7": "x", "\u2026": "...", "\u00b0": " deg"})
_CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


def font_scale(height: int) -> float:
    """A font scale that reads well on an image ``height`` pixels tall (0.5 at 480 px)."""
    return max(0.35, height / 960)


def thickness(scale: float) -> int:
    return max(1, round(scale * 2))


def _parts(text: str) -> list[str]:
    """``text`` split at the dots put_text draws itself."""
    return [text] if _UNICODE else text.translate(_ASCII).split(_DOT)


def text_size(text: str, scale: float) -> tuple[int, int, int]:
    """(width, height above baseline, depth below baseline) of ``text`` drawn by put_text."""
    parts = _parts(text)
    sizes = [cv2.getTextSize(part, FONT, scale, thickness(scale)) for part in parts]
    (space, _), _ = cv2.getTextSize(" ", FONT, scale, thickness(scale))
    width = sum(w for (w, _), _ in sizes) + space * (len(parts) - 1)
    (_, height), depth = cv2.getTextSize("Ag", FONT, scale, thickness(scale))
    return width, height, depth


def put_text(
    image: np.ndarray, text: str, origin: tuple[int, int], scale: float, color: tuple[int, int, int]
) -> None:
    """Draw ``text`` in place with its baseline starting at ``origin`` (x, y); "·" becomes a dot."""
    x, y = origin
    weight = thickness(scale)
    (space, _), _ = cv2.getTextSize(" ", FONT, scale, weight)
    (_, height), _ = cv2.getTextSize("A", FONT, scale, weight)
    for i, part in enumerate(_parts(text)):
        if i:
            centre = (x + space // 2, y - round(height * 0.4))
            cv2.circle(image, centre, max(1, round(height / 8)), color, -1, cv2.LINE_AA)
            x += space
        cv2.putText(image, part, (x, y), FONT, scale, color, weight, cv2.LINE_AA)
        x += cv2.getTextSize(part, FONT, scale, weight)[0][0]


def shade(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.6) -> None:
    """Darken the rectangle [x0, x1) x [y0, y1) of ``image`` in place."""
    region = image[y0:y1, x0:x1]
    region[:] = (region * (1 - alpha)).astype(np.uint8)


def draw_hud(frame: np.ndarray, lines: Sequence[str], *, corner: str = "top-left") -> np.ndarray:
    """A copy of ``frame`` with ``lines`` in white on a translucent dark box in ``corner``."""
    if corner not in _CORNERS:
        raise ValueError(f"corner must be one of {', '.join(_CORNERS)}, got {corner!r}")
    out = frame.copy()
    lines = [line for line in lines if line]
    if not lines:
        return out
    h, w = out.shape[:2]
    scale = font_scale(min(h, w * 3 // 4))
    sizes = [text_size(line, scale) for line in lines]
    gap = max(2, round(6 * scale))
    line_height = max(above + below for _, above, below in sizes) + gap
    pad = max(3, round(10 * scale))
    margin = max(2, round(8 * scale))
    box_w = min(w, max(width for width, _, _ in sizes) + 2 * pad)
    box_h = min(h, line_height * len(lines) + pad)
    x0 = margin if corner.endswith("left") else w - box_w - margin
    y0 = margin if corner.startswith("top") else h - box_h - margin
    x0, y0 = max(0, x0), max(0, y0)
    shade(out, x0, y0, x0 + box_w, y0 + box_h)
    for i, (line, (_, above, _)) in enumerate(zip(lines, sizes, strict=True)):
        baseline = y0 + pad // 2 + i * line_height + gap // 2 + above
        put_text(out, line, (x0 + pad, baseline), scale, (255, 255, 255))
    return out


def wrap_text(text: str, width: int, scale: float) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` pixels at ``scale`` (a word longer
    than a line gets a line of its own)."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_size(candidate, scale)[0] > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines or [""]


def hud_strip(frame: np.ndarray, lines: Sequence[str], *, min_rows: int = 2) -> np.ndarray:
    """``frame`` below a dark strip that holds ``lines`` joined by " · " and wrapped to the frame's width,
    so the HUD never covers what the app shows. The strip is at least ``min_rows`` text rows tall, so its
    height (and a video's frame size) stays put while the text changes a little."""
    h, w = frame.shape[:2]
    scale = font_scale(min(h, w * 3 // 4))
    pad = max(3, round(10 * scale))
    rows = wrap_text(f" {_DOT} ".join(line for line in lines if line), w - 2 * pad, scale)
    _, above, below = text_size("Ag", scale)
    row_height = above + below + max(2, round(6 * scale))
    strip = np.full((max(min_rows, len(rows)) * row_height + pad, w, 3), 24, np.uint8)
    for i, row in enumerate(rows):
        put_text(strip, row, (pad, pad // 2 + i * row_height + above + 2), scale, (255, 255, 255))
    return np.vstack([strip, frame])
