"""Learning curves as a PNG drawn with OpenCV: losses on one panel, metrics grouped by scale on others."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np

from dldemo.shared.live.hud import put_text, text_size

WIDTH, PANEL_HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 60, 24, 34, 46
SCALE = 0.45
Color = tuple[int, int, int]
INK, GRID, PAPER = (40, 40, 40), (225, 225, 225), (255, 255, 255)
PALETTE = [  # tab10, RGB
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip


def _number(value: object) -> float:
    """``value`` as a float, NaN if missing, non-numeric or infinite."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def nice_ticks(lo: float, hi: float, *, integer: bool = False, target: int = 5) -> np.ndarray:
    """Round tick values (steps of 1, 2, 2.5 or 5 x 10^k) covering [lo, hi], about ``target`` of them."""
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, round(step))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return np.arange(first, last + 1) * step


def _label(tick: float) -> str:
    return f"{tick:.6g}"


def _base(key: str) -> str:
    return key.removeprefix("val_")


def _groups(series: Mapping[str, np.ndarray]) -> list[list[str]]:
    """Loss keys together; other metrics (with their val_ twins) together while within 10x in scale."""
    losses = [k for k in series if _base(k).endswith("loss")]
    metrics: list[list[str]] = []
    sizes: list[float] = []
    for key in series:
        if key in losses:
            continue
        size = float(np.nanmax(np.abs(series[key])))  # similar scales: the larger within 10x of the smaller
        index = next((i for i, g in enumerate(metrics) if any(_base(k) == _base(key) for k in g)), None)
        if index is None:
            index = next((i for i, s in enumerate(sizes) if max(s, size) <= 10 * min(s, size)), None)
        if index is None:
            metrics.append([])
            sizes.append(size)
            index = -1
        metrics[index].append(key)
    return [g for g in [losses, *metrics] if g]


def _panel(
    x: np.ndarray, series: Mapping[str, np.ndarray], colors: Mapping[str, Color], x_key: str
) -> np.ndarray:
    """One axes panel with grid, ticks, lines, markers and a legend above it."""
    image = np.full((PANEL_HEIGHT, WIDTH, 3), PAPER, np.uint8)
    values = np.concatenate([v[np.isfinite(v)] for v in series.values()] or [np.empty(0)])
    finite_x = x[np.isfinite(x)]
    integer = bool(np.all(finite_x == np.round(finite_x)))
    xticks = nice_ticks(float(finite_x.min()), float(finite_x.max()), integer=integer)
    yticks = nice_ticks(float(values.min()), float(values.max())) if values.size else nice_ticks(0.0, 1.0)
    ylabels = [_label(t) for t in yticks]
    x0 = max(LEFT, max(text_size(label, SCALE)[0] for label in ylabels) + 16)
    x1, y0, y1 = WIDTH - RIGHT, TOP, PANEL_HEIGHT - BOTTOM

    def px(xv: float, yv: float) -> tuple[int, int]:
        u = (xv - xticks[0]) / (xticks[-1] - xticks[0])
        v = (yv - yticks[0]) / (yticks[-1] - yticks[0])
        return round(x0 + u * (x1 - x0)), round(y1 - v * (y1 - y0))

    for tick, label in zip(yticks, ylabels, strict=True):
        _, y = px(xticks[0], tick)
        cv2.line(image, (x0, y), (x1, y), GRID, 1)
        put_text(image, label, (x0 - 8 - text_size(label, SCALE)[0], y + 5), SCALE, INK)
    for tick in xticks:
        x_px, _ = px(tick, yticks[0])
        cv2.line(image, (x_px, y1), (x_px, y1 + 5), INK, 1)
        label = _label(tick)
        put_text(image, label, (x_px - text_size(label, SCALE)[0] // 2, y1 + 22), SCALE, INK)
    cv2.rectangle(image, (x0, y0), (x1, y1), INK, 1)
    put_text(image, x_key, ((x0 + x1 - text_size(x_key, SCALE)[0]) // 2, PANEL_HEIGHT - 6), SCALE, INK)
    if not values.size:
        put_text(image, "no data yet", (x0 + 10, (y0 + y1) // 2), SCALE, INK)
    for key, y in series.items():
        ok = np.isfinite(x) & np.isfinite(y)
        points = [px(xv, yv) if good else None for xv, yv, good in zip(x, y, ok, strict=True)]
        for a, b in zip(points, points[1:], strict=False):
            if a and b:
                cv2.line(image, a, b, colors[key], 2, cv2.LINE_AA)
        for p in points:
            if p:
                cv2.circle(image, p, 3, colors[key], -1, cv2.LINE_AA)
    _legend(image, list(series), colors, x0, y0 - 10)
    return image


def _legend(
    image: np.ndarray, keys: list[str], colors: Mapping[str, Color], left: int, baseline: int
) -> None:
    """Keys in a row, each after a short line in its colour."""
    x = left
    for key in keys:
        cv2.line(image, (x, baseline - 5), (x + 24, baseline - 5), colors[key], 3, cv2.LINE_AA)
        put_text(image, key, (x + 30, baseline), SCALE, INK)
        x += 30 + text_size(key, SCALE)[0] + 24


def plot_learning_curve(
    history: Sequence[Mapping[str, float]],
    path: str | Path,
    *,
    x_key: str = "epoch",
    keys: Sequence[str] | None = None,
    title: str = "",
) -> Path:
    """Draw ``history`` (one mapping of logs per epoch) as a PNG at ``path``; missing/NaN values are gaps."""
    x = np.array([_number(entry.get(x_key, i + 1)) for i, entry in enumerate(history)], float)
    x = np.where(np.isfinite(x), x, np.arange(1, len(history) + 1))
    if keys is None:
        keys = list(dict.fromkeys(k for entry in history for k in entry if k != x_key))
    series = {k: np.array([_number(entry.get(k)) for entry in history], float) for k in keys}
    series = {k: v for k, v in series.items() if np.isfinite(v).any()}
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(series)}
    x = x if len(x) else np.zeros(1)
    groups = _groups(series) or [[]]
    panels = [_panel(x, {k: series[k] for k in group}, colors, x_key) for group in groups]
    if title:
        strip = np.full((36, WIDTH, 3), PAPER, np.uint8)
        put_text(strip, title, (LEFT, 26), 0.6, INK)
        panels.insert(0, strip)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(np.vstack(panels), cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path
