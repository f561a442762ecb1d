"""Colorization metrics: PSNR and SSIM against the original, and Hasler-Süsstrunk colourfulness."""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

MAX_PSNR = 100.0  # dB: an exact match scores this, not inf (libvpx's cap, vpx_sse_to_psnr)
SSIM_WINDOW = 7  # scikit-image's default window side


def psnr(reference: np.ndarray, result: np.ndarray, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB over all pixels and channels, capped at MAX_PSNR.

    The cap keeps an exact (or near-exact) match finite, so a mean over images stays meaningful.
    """
    mse = np.mean((reference.astype(np.float64) - result.astype(np.float64)) ** 2)
    return MAX_PSNR if mse == 0 else min(MAX_PSNR, float(10.0 * np.log10(data_range**2 / mse)))


def ssim_fits(image: np.ndarray, window: int = SSIM_WINDOW) -> bool:
    """Whether ``image`` is at least ``window`` pixels high and wide, as SSIM needs."""
    return min(image.shape[:2]) >= window


def ssim(
    reference: np.ndarray, result: np.ndarray, data_range: float = 255.0, window: int = SSIM_WINDOW
) -> float:
    """Mean structural similarity (Wang et al. 2004) with a uniform 7x7 window, averaged over channels.

    Same conventions as scikit-image's default: K1=0.01, K2=0.03, unbiased local variances, border of
    window//2 pixels cropped. ValueError for an image smaller than the window (as scikit-image).
    """
    if not ssim_fits(reference, window):
        raise ValueError(f"SSIM needs images of at least {window}x{window} pixels, got {reference.shape[:2]}")
    x = reference.astype(np.float64)
    y = result.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    n = window * window
    unbias = n / (n - 1)
    values = []
    for channel in range(x.shape[-1]):
        a, b = x[..., channel], y[..., channel]
        mean = lambda image: cv2.blur(image, (window, window), borderType=cv2.BORDER_REFLECT)  # noqa: E731
        mu_a, mu_b = mean(a), mean(b)
        var_a = unbias * (mean(a * a) - mu_a**2)
        var_b = unbias * (mean(b * b) - mu_b**2)
        cov = unbias * (mean(a * b) - mu_a * mu_b)
        s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
        pad = window // 2
        values.append(s[pad:-pad, pad:-pad].mean())
    return float(np.mean(values))


def colorfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness M = sigma_rgyb + 0.3 * mu_rgyb, on 0-255 RGB."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def summarize(rows: Iterable[dict[str, float | None]]) -> dict[str, float | int | None]:
    """Per-image rows (at least one) -> dataset metrics; the colourfulness ratio is a ratio of means.

    An SSIM of None (an image too small for the window) is left out of the SSIM mean and counted as
    ``ssim_skipped``; the SSIM is None if no image had one.
    """
    rows = list(rows)
    ssims = [row["ssim"] for row in rows if row["ssim"] is not None]
    mean = lambda key: float(np.mean([row[key] for row in rows]))  # noqa: E731
    return {
        "psnr": mean("psnr"),
        "psnr_gray": mean("psnr_gray"),
        "ssim": float(np.mean(ssims)) if ssims else None,
        "colorfulness": mean("colorfulness"),
        "colorfulness_original": mean("colorfulness_original"),
        "colorfulness_ratio": mean("colorfulness") / max(mean("colorfulness_original"), 1e-9),
        "images": len(rows),
        "ssim_skipped": len(rows) - len(ssims),
    }
