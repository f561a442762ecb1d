"""MaskedCrossEntropy against a NumPy reference (value and gradient), void handling and class weights."""

import keras
import numpy as np
import pytest

from dldemo.apps.segment.labels import IGNORE
from dldemo.apps.segment.losses import MaskedCrossEntropy, class_frequencies, median_frequency_weights

NUM_CLASSES = 4
SHAPE = (2, 5, 6)  # (images, height, width)
WEIGHTS = [0.5, 2.0, 1.0, 3.0]


def example(seed: int = 0):
    """Random logits and labels with about a quarter of the pixels void."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (*SHAPE, NUM_CLASSES)).astype(np.float32)
    labels = rng.integers(0, NUM_CLASSES, SHAPE).astype(np.int32)
    labels[rng.random(SHAPE) < 0.25] = IGNORE
    return logits, labels


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def pixel_weights(labels: np.ndarray, class_weights) -> np.ndarray:
    """Each labelled pixel's weight; 0 on void."""
    table = np.ones(NUM_CLASSES) if class_weights is None else np.asarray(class_weights, np.float64)
    return np.where(labels == IGNORE, 0.0, table[np.where(labels == IGNORE, 0, labels)])


def reference_loss(logits: np.ndarray, labels: np.ndarray, class_weights=None) -> float:
    """Per image: weighted mean of -log p(label) over the labelled pixels (0 if none); then the batch mean."""
    log_p = log_softmax(logits)
    safe = np.where(labels == IGNORE, 0, labels)
    nll = -np.take_along_axis(log_p, safe[..., None], -1)[..., 0]
    weights = pixel_weights(labels, class_weights)
    per_image = [(w * n).sum() / w.sum() if w.sum() else 0.0 for w, n in zip(weights, nll, strict=True)]
    return float(np.mean(per_image))


def reference_gradient(logits: np.ndarray, labels: np.ndarray, class_weights=None) -> np.ndarray:
    """d loss / d logits: (softmax - one-hot) * w_i / sum(w) / batch size, zero on void pixels."""
    probabilities = np.exp(log_softmax(logits))
    one_hot = np.eye(NUM_CLASSES)[np.where(labels == IGNORE, 0, labels)]
    weights = pixel_weights(labels, class_weights)
    scale = weights / np.maximum(weights.sum(axis=(1, 2), keepdims=True), 1e-300) / len(labels)
    return (probabilities - one_hot) * scale[..., None]


def loss_value(loss: keras.losses.Loss, labels: np.ndarray, logits: np.ndarray) -> float:
    return float(keras.ops.convert_to_numpy(loss(labels, logits)))


class PixelLogits(keras.layers.Layer):
    """Trainable logits for every pixel, added to the input: its gradient is d loss / d logits."""

    def build(self, input_shape):
        self.table = self.add_weight(shape=input_shape[1:], initializer="zeros", name="table")

    def call(self, x):
        return x + self.table


def one_step_gradient(loss: keras.losses.Loss, logits: np.ndarray, labels: np.ndarray):
    """(loss, gradient summed over the batch) from one plain SGD step of lr 1 on the current backend."""
    model = keras.Sequential([keras.Input(logits.shape[1:]), PixelLogits()])
    model.compile(keras.optimizers.SGD(learning_rate=1.0), loss=loss)
    value = model.train_on_batch(logits, labels)
    return float(value), keras.ops.convert_to_numpy(keras.ops.negative(model.layers[0].table))


@pytest.mark.parametrize("class_weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_loss_matches_the_numpy_reference(class_weights):
    logits, labels = example()
    loss = MaskedCrossEntropy(class_weights)
    expected = reference_loss(logits, labels, class_weights)
    assert loss_value(loss, labels, logits) == pytest.approx(expected, rel=1e-5)
    assert loss_value(loss, labels[..., None], logits) == pytest.approx(expected, rel=1e-5)  # (N, H, W, 1)


def test_weights_change_the_loss_and_uniform_weights_do_not():
    logits, labels = example(1)
    plain = loss_value(MaskedCrossEntropy(), labels, logits)
    assert loss_value(MaskedCrossEntropy([2.5] * NUM_CLASSES), labels, logits) == pytest.approx(
        plain, rel=1e-6
    )
    assert loss_value(MaskedCrossEntropy(WEIGHTS), labels, logits) != pytest.approx(plain, rel=1e-3)


@pytest.mark.parametrize("class_weights", [None, WEIGHTS], ids=["unweighted", "weighted"])
def test_gradient_matches_the_reference_and_is_zero_on_void(class_weights):
    logits, labels = example(2)
    value, gradient = one_step_gradient(MaskedCrossEntropy(class_weights), logits, labels)
    assert value == pytest.approx(reference_loss(logits, labels, class_weights), rel=1e-5)
    expected = reference_gradient(logits, labels, class_weights).sum(0)  # the table is shared by the batch
    np.testing.assert_allclose(gradient, expected, atol=1e-6)
    void_everywhere = (labels == IGNORE).all(0)
    assert void_everywhere.any()
    np.testing.assert_array_equal(gradient[void_everywhere], 0.0)


def test_logits_on_void_pixels_change_neither_loss_nor_gradient():
    logits, labels = example(3)
    changed = logits.copy()
    void = labels == IGNORE
    changed[void] = np.random.default_rng(4).normal(0, 50, changed[void].shape)
    loss = MaskedCrossEntropy(WEIGHTS)
    assert loss_value(loss, labels, changed) == pytest.approx(loss_value(loss, labels, logits), rel=1e-6)
    value, gradient = one_step_gradient(loss, logits, labels)
    changed_value, changed_gradient = one_step_gradient(loss, changed, labels)
    assert changed_value == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(changed_gradient, gradient, atol=1e-7)


def test_an_all_void_image_adds_zero_not_nan():
    logits, labels = example(5)
    labels[0] = IGNORE
    loss = MaskedCrossEntropy(WEIGHTS)
    value = loss_value(loss, labels, logits)
    assert np.isfinite(value)
    assert value == pytest.approx(reference_loss(logits, labels, WEIGHTS), rel=1e-5)
    labels[:] = IGNORE
    assert loss_value(loss, labels, logits) == 0.0
    step_value, gradient = one_step_gradient(loss, logits, labels)
    assert step_value == 0.0
    np.testing.assert_array_equal(gradient, 0.0)


def test_config_round_trip():
    loss = MaskedCrossEntropy(np.array([0.5, 2, 1, 3]), name="seg_loss")
    config = keras.saving.serialize_keras_object(loss)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is MaskedCrossEntropy
    assert restored.class_weights == WEIGHTS
    assert all(type(w) is float for w in restored.class_weights)  # plain floats: JSON-ready
    assert restored.name == "seg_loss"
    logits, labels = example(6)
    assert loss_value(restored, labels, logits) == pytest.approx(loss_value(loss, labels, logits), rel=1e-6)
    unweighted = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(MaskedCrossEntropy())
    )
    assert unweighted.class_weights is None


def test_median_frequency_weights_by_hand():
    frequencies = np.array([0.1, 0.2, 0.4, 0.0, 0.3])  # median of the present four: 0.25
    classic = [0.25 / 0.1, 0.25 / 0.2, 0.25 / 0.4, 0.0, 0.25 / 0.3]
    np.testing.assert_allclose(median_frequency_weights(frequencies), classic)
    np.testing.assert_allclose(median_frequency_weights(frequencies, 0.5), np.sqrt(classic))
    np.testing.assert_allclose(median_frequency_weights(frequencies, 0.0), [1, 1, 1, 0, 1])
    np.testing.assert_allclose(median_frequency_weights(np.array([0.5, 0.5])), [1.0, 1.0])


def test_class_frequencies_leave_void_out():
    masks = [
        np.array([[0, 0, IGNORE], [1, IGNORE, 2]], np.uint8),
        np.array([[2, 2], [IGNORE, 0]], np.uint8),
    ]
    # 7 labelled pixels: three 0s, one 1, three 2s, no 3.
    np.testing.assert_allclose(class_frequencies(masks, 4), [3 / 7, 1 / 7, 3 / 7, 0.0])
    np.testing.assert_array_equal(class_frequencies([np.full((3, 3), IGNORE, np.uint8)], 2), [0.0, 0.0])
