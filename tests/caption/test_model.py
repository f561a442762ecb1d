"""The Show-Attend-Tell network: padding never changes the loss, attention is a distribution over the
grid, decoding step by step equals teacher forcing, and a saved model loads whole in safe mode."""

import keras
import numpy as np
import pytest

from dldemo.apps.caption.captions import BOS, EOS, PAD, SPECIALS
from dldemo.apps.caption.model import (
    CoverageLoss,
    MaskedCaptionLoss,
    build_captioner,
    custom_objects,
    inference_models,
)
from dldemo.apps.caption.recipes import PRESETS
from dldemo.shared.models.loading import load_keras_model

WORDS = [*SPECIALS, "a", "red", "blue", "circle", "square"]


@pytest.fixture(scope="module")
def model():
    model = build_captioner(PRESETS["tiny"].shape, WORDS, seed=1)
    model.compile(
        keras.optimizers.Adam(1e-3),
        loss={"logits": MaskedCaptionLoss(), "coverage": CoverageLoss()},
        loss_weights={"logits": 1.0, "coverage": 1.0},
    )
    return model


def batch(model, width: int):
    """Two captions ("a red circle", "a square") padded to ``width``, on random grids."""
    grids = np.random.default_rng(0).standard_normal((2, *model.inputs[0].shape[1:])).astype("float32")
    captions = [[4, 5, 7, EOS], [4, 8, EOS]]
    ids = np.zeros((2, 2, width), np.int32)
    for row, caption in enumerate(captions):
        ids[0, row, : len(caption)] = [BOS, *caption[:-1]]
        ids[1, row, : len(caption)] = caption
    return (grids, ids[0]), {"logits": ids[1], "coverage": np.zeros((2, 1), "float32")}


def test_padding_never_changes_the_loss(model):
    losses = [model.evaluate(*batch(model, width), verbose=0, return_dict=True) for width in (4, 9, 16)]
    for name in ("loss", "logits_loss", "coverage_loss"):
        np.testing.assert_allclose([x[name] for x in losses], losses[0][name], rtol=1e-5)


def test_the_loss_is_the_mean_over_real_words_only():
    logits = np.log(np.array([[[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]]], "float32"))
    targets = np.array([[1, 1, PAD]])
    expected = -(np.log(0.5) + np.log(0.1)) / 2
    assert float(MaskedCaptionLoss()(targets, logits)) == pytest.approx(expected, rel=1e-5)


def test_attention_sums_to_one_over_the_grid_and_coverage_counts_real_steps(model):
    (grids, ids), _ = batch(model, 8)
    coverage = np.asarray(model.predict_on_batch((grids, ids))["coverage"])
    real_steps = (ids != PAD).sum(axis=1)
    np.testing.assert_allclose(coverage.sum(axis=1), real_steps, rtol=1e-5)
    start, step = inference_models(model)
    state = [np.asarray(x) for x in start.predict_on_batch(grids)]
    _, _, _, alpha = step.predict_on_batch([ids[:, :1], *state])
    np.testing.assert_allclose(np.asarray(alpha).sum(axis=1), 1.0, rtol=1e-5)
    assert np.asarray(alpha).shape == (2, 49)


def test_decoding_step_by_step_equals_teacher_forcing(model):
    (grids, ids), _ = batch(model, 5)
    full = keras.ops.log_softmax(model.predict_on_batch((grids, ids))["logits"], axis=-1)
    start, step = inference_models(model)
    h, c, f, k = (np.asarray(x) for x in start.predict_on_batch(grids))
    for t in range(ids.shape[1]):
        log_probs, h, c, _ = step.predict_on_batch([ids[:, t : t + 1], h, c, f, k])
        np.testing.assert_allclose(np.asarray(log_probs), np.asarray(full)[:, t], atol=1e-4)


def test_a_saved_captioner_loads_whole_in_safe_mode(model, tmp_path):
    path = tmp_path / "captioner.keras"
    model.save(path)
    loaded = load_keras_model(path, custom_objects())  # as weights load: safe mode, no training state
    assert loaded.get_layer("vocabulary").words == WORDS
    cnn, original = loaded.get_layer("image_encoder").cnn, model.get_layer("image_encoder").cnn
    for a, b in zip(cnn.get_weights(), original.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    photo = np.random.default_rng(0).integers(0, 255, (1, 224, 224, 3)).astype("float32")
    np.testing.assert_allclose(cnn.predict_on_batch(photo), original.predict_on_batch(photo), atol=1e-5)
