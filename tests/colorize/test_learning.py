"""The colorize network learns: loss falls and PSNR rises on a generated set where colour follows L."""

import cv2
import keras
import numpy as np
import pytest

from dldemo.apps.colorize.data import WORKING_SIDE, ab_prior
from dldemo.apps.colorize.evaluate import evaluate
from dldemo.apps.colorize.lab import lab_to_rgb
from dldemo.apps.colorize.losses import rebalanced_cross_entropy
from dldemo.apps.colorize.model import build_colorizer
from dldemo.apps.colorize.predict import Colorizer
from dldemo.apps.colorize.quantize import ABQuantizer
from dldemo.apps.colorize.recipes import Recipe
from dldemo.apps.colorize.training import ColorizeBatches
from dldemo.shared.models.efficientnet_lite import freeze_encoder, load_efficientnet_lite0_weights


def blob_photo(rng: np.random.Generator, size: int = WORKING_SIDE) -> np.ndarray:
    """Smooth random lightness; bright areas are yellow and dark areas blue (at the working size)."""
    noise = cv2.GaussianBlur(rng.normal(size=(size, size)).astype(np.float32), (0, 0), size / 12)
    lightness = 55 + 35 * noise / (np.abs(noise).max() + 1e-6)
    bright = lightness > 55
    lab = np.stack([lightness, np.where(bright, 5.0, 20.0), np.where(bright, 60.0, -55.0)], -1)
    return lab_to_rgb(lab.astype(np.float32))


@pytest.mark.parametrize(
    ("loss", "encoder"),
    [
        ("classification", "scratch"),
        ("regression", "scratch"),
        pytest.param("classification", "efficientnet-lite0", marks=pytest.mark.dataset),
    ],
)
def test_colorizer_learns_colour_from_lightness(loss, encoder, request):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    train = [blob_photo(rng) for _ in range(16)]
    val = [blob_photo(rng) for _ in range(4)]
    recipe = Recipe(
        crop=64, width=8, batch_size=8, steps_per_epoch=15, epochs=6, learning_rate=3e-3, val_images=4
    )
    quantizer = None
    if loss == "classification":
        quantizer = ABQuantizer.create(ab_prior(train, ABQuantizer.create()))
    model = build_colorizer(quantizer.num_bins if quantizer else 2, width=recipe.width, encoder=encoder)
    if encoder == "efficientnet-lite0":  # ImageNet's features, frozen: the decoder learns on them
        load_efficientnet_lite0_weights(model, request.getfixturevalue("lite0_weights"))
        assert freeze_encoder(model) > 0
    model.compile(
        keras.optimizers.Adam(recipe.learning_rate),
        loss=rebalanced_cross_entropy if quantizer else "mean_squared_error",
    )
    before = evaluate(Colorizer(model), val)
    history = model.fit(ColorizeBatches(train, recipe, quantizer, seed=0), epochs=recipe.epochs, verbose=0)
    after = evaluate(Colorizer(model), val)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert after["psnr"] > before["psnr"] + 2.0
    assert after["psnr"] > after["psnr_gray"] + 2.0  # it really predicts colour, not grey
