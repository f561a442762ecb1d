"""The seq2seq network: padding never matters, stepwise decoding equals teacher forcing, the loss masks."""

import keras
import numpy as np
import pytest

from dldemo.apps.translate.model import (
    MaskedCrossEntropy,
    Shape,
    build_translator,
    inference_models,
    settings_of,
)

SHAPE = Shape(vocab_size=40, embedding=16, encoder_units=16, decoder_units=24, dropout=0.1)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return build_translator(SHAPE, subwords="c3ViV29yZHM=", pair="en-de")


def batch(rng, lengths, width):
    ids = np.zeros((len(lengths), width), np.int32)
    for row, length in enumerate(lengths):
        ids[row, :length] = rng.integers(4, SHAPE.vocab_size, length)
    return ids


def test_padding_never_changes_the_outputs(model):
    rng = np.random.default_rng(0)
    source, target = batch(rng, [5, 9], 9), batch(rng, [6, 4], 6)
    logits = model.predict_on_batch([source, target])
    alone = model.predict_on_batch([source[:1, :5], target[:1]])
    wider = model.predict_on_batch([np.pad(source, ((0, 0), (0, 7))), target])
    np.testing.assert_allclose(alone, logits[:1], atol=1e-5)
    np.testing.assert_allclose(wider, logits, atol=1e-5)


def test_decoding_step_by_step_equals_teacher_forcing(model):
    rng = np.random.default_rng(1)
    source, target = batch(rng, [7, 3, 5], 7), batch(rng, [5, 5, 5], 5)
    expected = keras.ops.convert_to_numpy(
        keras.ops.log_softmax(model.predict_on_batch([source, target]), axis=-1)
    )
    encoder, step = inference_models(model)
    memory, h, c = encoder.predict_on_batch(source)
    for t in range(target.shape[1]):
        log_probs, h, c, attention = step.predict_on_batch([target[:, t : t + 1], h, c, memory, source])
        np.testing.assert_allclose(log_probs, expected[:, t], atol=1e-4)
        np.testing.assert_allclose(attention.sum(axis=1), 1.0, atol=1e-5)
        assert np.all(attention[source == 0] == 0)  # no attention on padding


def test_the_loss_ignores_padding_and_averages_over_tokens():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(2, 4, 6)).astype("float32")
    targets = np.array([[1, 2, 0, 0], [3, 4, 5, 0]], np.int32)
    loss = MaskedCrossEntropy(label_smoothing=0.0)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    real = targets != 0
    expected = -np.take_along_axis(log_probs, targets[..., None], -1)[..., 0][real].mean()
    assert float(loss(targets, logits)) == pytest.approx(expected, rel=1e-5)
    changed = logits.copy()
    changed[targets == 0] = 100.0  # scores at padded positions do not matter
    assert float(loss(targets, changed)) == pytest.approx(expected, rel=1e-5)


def test_a_saved_model_carries_its_vocabulary_and_pair(model, tmp_path):
    path = tmp_path / "translator.keras"
    model.save(path)
    from dldemo.apps.translate.model import custom_objects

    loaded = keras.saving.load_model(path, custom_objects=custom_objects(), safe_mode=True)
    assert settings_of(loaded) == settings_of(model)
    assert settings_of(loaded)["pair"] == "en-de" and settings_of(loaded)["shape"]["decoder_units"] == 24


def test_separate_vocabularies_give_the_target_its_own_embedding_and_output(tmp_path):
    from dldemo.apps.translate.model import custom_objects

    shape = Shape(vocab_size=40, embedding=16, encoder_units=16, decoder_units=24, target_vocab_size=30)
    separate = build_translator(shape, subwords="c3Jj", target_subwords="dGd0", pair="en-de")
    rng = np.random.default_rng(3)
    source, target = batch(rng, [6, 4], 6), rng.integers(4, 30, (2, 5)).astype("int32")
    logits = separate.predict_on_batch([source, target])
    assert logits.shape == (2, 5, 30)
    assert separate.get_layer("target_embedding").input_dim == 30
    encoder, step = inference_models(separate)
    memory, h, c = encoder.predict_on_batch(source)
    log_probs, *_ = step.predict_on_batch([target[:, :1], h, c, memory, source])
    np.testing.assert_allclose(np.exp(log_probs), keras.ops.softmax(logits[:, 0]), atol=1e-5)
    path = tmp_path / "separate.keras"
    separate.save(path)
    loaded = keras.saving.load_model(path, custom_objects=custom_objects(), safe_mode=True)
    assert settings_of(loaded) == settings_of(separate)
    assert settings_of(loaded)["target_subwords"] == "dGd0"
    assert settings_of(loaded)["shape"]["target_vocab_size"] == 30
    with pytest.raises(ValueError, match="separate target vocabulary"):
        build_translator(shape, subwords="c3Jj", pair="en-de")
