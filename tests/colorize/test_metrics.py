"""Colorize metrics against scikit-image and the Hasler-Süsstrunk definition."""

import numpy as np
import pytest
import skimage.data
import skimage.metrics

from dldemo.apps.colorize.evaluate import greyed
from dldemo.apps.colorize.metrics import colorfulness, psnr, ssim, summarize


@pytest.fixture
def pair():
    reference = skimage.data.chelsea()
    noise = np.random.default_rng(0).integers(-25, 26, reference.shape)
    return reference, np.clip(reference.astype(int) + noise, 0, 255).astype(np.uint8)


def test_psnr_matches_scikit_image(pair):
    assert psnr(*pair) == pytest.approx(skimage.metrics.peak_signal_noise_ratio(*pair), abs=1e-9)


def test_ssim_matches_scikit_image(pair):
    expected = skimage.metrics.structural_similarity(*pair, channel_axis=-1, data_range=255)
    assert ssim(*pair) == pytest.approx(expected, abs=1e-9)


def test_colorfulness_is_zero_for_grey_and_grows_with_saturation():
    photo = skimage.data.coffee()
    assert colorfulness(greyed(photo)) < 1.0
    washed = (0.5 * photo + 0.5 * greyed(photo)).astype(np.uint8)
    assert colorfulness(washed) < colorfulness(photo)


def test_colorfulness_matches_the_paper_formula():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rg = np.array([255, 0, 0, 0.0])
    yb = np.array([127.5, 0, 0, 0.0])
    expected = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    assert colorfulness(rgb) == pytest.approx(expected)


def test_summary_ratio_is_a_ratio_of_means():
    rows = [
        {"psnr": 20, "psnr_gray": 19, "ssim": 0.9, "colorfulness": 10, "colorfulness_original": 20},
        {"psnr": 30, "psnr_gray": 29, "ssim": 0.8, "colorfulness": 30, "colorfulness_original": 20},
    ]
    summary = summarize(rows)
    assert summary["psnr"] == 25 and summary["colorfulness_ratio"] == pytest.approx(1.0)
    assert summary["images"] == 2
