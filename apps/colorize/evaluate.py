"""`dldemo eval colorize`: PSNR, grey baseline, SSIM and colourfulness over a folder of colour photos."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from dldemo.apps.colorize.lab import grey_lab, lab_to_rgb, rgb_to_lab
from dldemo.apps.colorize.metrics import colorfulness, psnr, ssim, summarize

# --split names -> (dataset, folder of images inside it)
SPLITS = {
    "bsds500-val": ("bsds500", "val"),
    "bsds500-train": ("bsds500", "train"),
    "camvid-test": ("camvid", "test/images"),
    "camvid-val": ("camvid", "val/images"),
}
DEFAULT_SPLIT = "bsds500-val"


def greyed(rgb: np.ndarray) -> np.ndarray:
    """The photo with its colour removed (ab = 0): what the model sees, and the baseline to beat."""
    return lab_to_rgb(grey_lab(rgb_to_lab(rgb)))


def score_image(original: np.ndarray, colorized: np.ndarray) -> dict[str, float]:
    return {
        "psnr": psnr(original, colorized),
        "psnr_gray": psnr(original, greyed(original)),
        "ssim": ssim(original, colorized),
        "colorfulness": colorfulness(colorized),
        "colorfulness_original": colorfulness(original),
    }


def evaluate(colorizer, images: Iterable[np.ndarray]) -> dict[str, float]:
    """Dataset metrics of a Colorizer over RGB photos at their full resolution."""
    return summarize(score_image(image, colorizer.colorize(image)) for image in images)
