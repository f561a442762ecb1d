"""plot_learning_curve: an OpenCV-drawn PNG that copes with gaps, single points and mixed scales."""

import math

import cv2
import numpy as np

from dldemo.shared.record import plot_learning_curve
from dldemo.shared.record.curve import PANEL_HEIGHT, WIDTH, _groups, nice_ticks


def _read(path):
    image = cv2.imread(str(path))
    assert image is not None
    return image


def test_losses_and_metrics_on_separate_panels(tmp_path):
    history = [
        {"epoch": e, "loss": 1 / e, "val_loss": 1.2 / e, "psnr": 20 + e, "val_psnr": 19 + e}
        for e in range(1, 6)
    ]
    path = plot_learning_curve(history, tmp_path / "deep" / "curve.png", title="colorize")
    image = _read(path)
    assert image.shape == (36 + 2 * PANEL_HEIGHT, WIDTH, 3)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 10  # lines, text and legend, not a blank page


def test_nan_none_and_missing_values_and_single_point(tmp_path):
    history = [
        {"epoch": 1, "loss": 0.5, "acc": None},
        {"epoch": 2, "loss": math.nan, "acc": 0.5},
        {"epoch": 3, "loss": math.inf},
        {"loss": 0.2, "acc": "n/a"},
    ]
    assert _read(plot_learning_curve(history, tmp_path / "gaps.png")).shape == (2 * PANEL_HEIGHT, WIDTH, 3)
    single = _read(plot_learning_curve([{"epoch": 1, "loss": 0.7}], tmp_path / "one.png"))
    assert single.shape == (PANEL_HEIGHT, WIDTH, 3)
    assert (single != 255).any(axis=2).sum() > 500
    assert _read(plot_learning_curve([], tmp_path / "empty.png")).shape == (PANEL_HEIGHT, WIDTH, 3)


def test_grouping_by_name_and_scale():
    series = {
        "loss": np.array([1.0]),
        "val_loss": np.array([2.0]),
        "acc": np.array([0.9]),
        "top5": np.array([0.99]),
        "psnr": np.array([25.0]),
        "val_acc": np.array([math.nan, 0.8]),
        "learning_rate": np.array([1e-4]),
    }
    assert _groups(series) == [["loss", "val_loss"], ["acc", "top5", "val_acc"], ["psnr"], ["learning_rate"]]


def test_nice_ticks():
    assert nice_ticks(0.13, 0.92).tolist() == [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    assert nice_ticks(1, 3, integer=True).tolist() == [1, 2, 3]
    ticks = nice_ticks(5.0, 5.0)
    assert ticks[0] < 5.0 < ticks[-1]
