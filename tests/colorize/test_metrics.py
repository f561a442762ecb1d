"""Colorize metrics against scikit-image and the Hasler-Süsstrunk definition; what evaluation scores."""

import math

import cv2
import numpy as np
import pytest
import skimage.data
import skimage.metrics

from dldemo.apps.colorize.evaluate import MAX_SCORING_SIDE, evaluate, greyed, scorable
from dldemo.apps.colorize.metrics import MAX_PSNR, colorfulness, psnr, ssim, summarize
from dldemo.shared.errors import UserError


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


def test_an_exact_match_has_the_capped_psnr_not_inf():
    photo = skimage.data.coffee()
    assert psnr(photo, photo) == MAX_PSNR == 100.0
    nearly = photo.copy()
    nearly[0, 0, 0] ^= 1  # one level off in one value: 107 dB uncapped
    assert psnr(photo, nearly) == MAX_PSNR


def test_ssim_refuses_images_smaller_than_its_window():
    thin, smallest = np.zeros((6, 40, 3), np.uint8), np.zeros((7, 7, 3), np.uint8)
    with pytest.raises(ValueError, match="at least 7x7"):
        ssim(thin, thin)
    assert ssim(smallest, smallest) == pytest.approx(1.0)


def test_summary_leaves_missing_ssims_out_and_counts_them():
    rows = [
        {"psnr": 20, "psnr_gray": 19, "ssim": 0.9, "colorfulness": 10, "colorfulness_original": 20},
        {"psnr": 30, "psnr_gray": 29, "ssim": None, "colorfulness": 30, "colorfulness_original": 20},
    ]
    summary = summarize(rows)
    assert summary["ssim"] == pytest.approx(0.9) and summary["ssim_skipped"] == 1
    assert summarize(rows[1:])["ssim"] is None


class Echo:
    """A stand-in colorizer that returns the photo it is given, recording its size."""

    def __init__(self):
        self.shapes = []

    def colorize(self, rgb):
        self.shapes.append(rgb.shape)
        return rgb


def test_evaluation_drops_black_and_white_photos_and_counts_them():
    colour, grey = skimage.data.coffee(), greyed(skimage.data.coffee())
    metrics = evaluate(Echo(), [grey, colour])
    assert metrics["images"] == 1 and metrics["dropped_grey"] == 1
    assert metrics["psnr_gray"] == pytest.approx(psnr(colour, greyed(colour)))
    with pytest.raises(UserError, match="no colour photo to score among 1"):
        evaluate(Echo(), [grey])


def test_an_identical_colorization_scores_finite_numbers():
    metrics = evaluate(Echo(), [skimage.data.coffee()])
    assert metrics["psnr"] == MAX_PSNR and metrics["ssim"] == pytest.approx(1.0)
    assert all(math.isfinite(v) for v in metrics.values() if isinstance(v, float))


@pytest.mark.parametrize("shape", [(1, 1, 3), (5, 40, 3)])
def test_images_too_small_for_ssim_are_scored_without_it(shape):
    photo = np.zeros(shape, np.uint8)
    photo[..., 0] = 200  # red: a colour photo
    metrics = evaluate(Echo(), [photo, skimage.data.coffee()])
    assert metrics["images"] == 2 and metrics["ssim_skipped"] == 1
    assert metrics["ssim"] == pytest.approx(1.0)  # the coffee photo's alone
    assert all(math.isfinite(v) for v in metrics.values() if isinstance(v, float))
    only_small = evaluate(Echo(), [photo])
    assert only_small["ssim"] is None and math.isfinite(only_small["psnr_gray"])


def test_large_photos_are_scored_at_the_bounded_size():
    large = cv2.resize(skimage.data.coffee(), (3600, 2400))
    photos, counts = scorable([large, skimage.data.coffee()])
    assert photos[0].shape == (1365, MAX_SCORING_SIDE, 3) and photos[1].shape == skimage.data.coffee().shape
    assert counts == {"dropped_grey": 0, "downscaled": 1, "downscaled_to": MAX_SCORING_SIDE}
    echo = Echo()
    assert evaluate(echo, [large])["downscaled"] == 1
    assert echo.shapes == [(1365, MAX_SCORING_SIDE, 3)]


def test_summary_ratio_is_a_ratio_of_means():
    rows = [
        {"psnr": 20, "psnr_gray": 19, "ssim": 0.9, "colorfulness": 10, "colorfulness_original": 20},
        {"psnr": 30, "psnr_gray": 29, "ssim": 0.8, "colorfulness": 30, "colorfulness_original": 20},
    ]
    summary = summarize(rows)
    assert summary["psnr"] == 25 and summary["colorfulness_ratio"] == pytest.approx(1.0)
    assert summary["images"] == 2
