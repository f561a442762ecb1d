"""Lab round trip against scikit-image, and the ab quantizer of Zhang et al."""

import numpy as np
import pytest
import skimage.color
import skimage.data

from dldemo.apps.colorize.lab import combine, lab_to_rgb, rgb_to_lab
from dldemo.apps.colorize.quantize import ABQuantizer, gamut_bins, rebalancing_weights


def test_lab_matches_scikit_image():
    rgb = skimage.data.astronaut()
    ours = rgb_to_lab(rgb)
    reference = skimage.color.rgb2lab(rgb)
    assert np.abs(ours - reference).max() < 0.5


def test_lab_round_trip_is_lossless_to_one_level():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    assert np.abs(lab_to_rgb(rgb_to_lab(rgb)).astype(int) - rgb).max() <= 1


def test_combine_upsamples_ab_to_full_resolution():
    rgb = skimage.data.coffee()
    lab = rgb_to_lab(rgb)
    small_ab = lab[::4, ::4, 1:]
    out = combine(lab[..., 0], small_ab)
    assert out.shape == rgb.shape
    assert np.abs(out.astype(float) - rgb).mean() < 4.0  # smooth colour: little is lost at 1/4 resolution


def test_gamut_bins_cover_every_srgb_colour():
    centres = gamut_bins()
    assert 200 < len(centres) < 330
    rgb = np.random.default_rng(1).integers(0, 256, (5000, 1, 3), dtype=np.uint8)
    ab = rgb_to_lab(rgb)[..., 1:].reshape(-1, 2)
    nearest = np.sqrt(((ab[:, None] - centres[None]) ** 2).sum(-1)).min(1)
    assert nearest.max() <= 5 * np.sqrt(2) + 1e-3  # within half a cell's diagonal


def test_soft_encoding_sums_to_one_and_decodes_back():
    quantizer = ABQuantizer.create()
    ab = np.random.default_rng(2).uniform(-60, 60, (8, 8, 2)).astype(np.float32)
    encoded = quantizer.encode(ab)
    assert encoded.shape == (8, 8, quantizer.num_bins)
    np.testing.assert_allclose(encoded.sum(-1), 1.0, atol=1e-5)
    assert ((encoded > 0).sum(-1) == 5).all()
    assert np.abs(quantizer.decode(encoded, temperature=1.0) - ab).mean() < 2.0


def test_annealed_mean_sharpens_towards_the_mode():
    quantizer = ABQuantizer.create()
    probs = np.zeros(quantizer.num_bins)
    red = np.argmin(((quantizer.centres - [60, 40]) ** 2).sum(-1))
    grey = np.argmin((quantizer.centres**2).sum(-1))
    probs[red], probs[grey] = 0.6, 0.4
    mean = quantizer.decode(probs, temperature=1.0)
    annealed = quantizer.decode(probs, temperature=0.38)
    assert np.linalg.norm(annealed - quantizer.centres[red]) < np.linalg.norm(mean - quantizer.centres[red])


def test_rebalancing_upweights_rare_colours_with_unit_mean():
    quantizer = ABQuantizer.create()
    prior = np.full(quantizer.num_bins, 1e-4)
    common = np.argmin((quantizer.centres**2).sum(-1))
    prior[common] = 1.0
    weights = rebalancing_weights(prior)
    assert weights[common] == pytest.approx(weights.min())
    smoothed_mean = (prior / prior.sum() * weights).sum()
    assert 0.5 < smoothed_mean < 1.5


def test_lightness_to_grey_layer_matches_lab_to_rgb():
    from dldemo.apps.colorize.lab import normalize_l
    from dldemo.apps.colorize.model import LightnessToGrey

    lightness = np.linspace(0, 100, 101, dtype=np.float32)[None, :]
    grey = np.asarray(LightnessToGrey()(normalize_l(lightness)[None]))[0, ..., 0]
    lab = np.stack([lightness, np.zeros_like(lightness), np.zeros_like(lightness)], -1)
    assert np.abs(grey - lab_to_rgb(lab)[..., 0]).max() <= 1.0
