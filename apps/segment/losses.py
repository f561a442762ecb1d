"""Pixel-wise cross-entropy that skips void pixels and can weight rare classes up."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dldemo.apps.segment.labels import IGNORE


@keras.saving.register_keras_serializable(package="dldemo.segment")
class MaskedCrossEntropy(keras.losses.Loss):
    """Mean softmax cross-entropy over the labelled pixels; `IGNORE` pixels add nothing to loss or gradient.

    With `class_weights`, pixel i counts w[y_i] and each image's loss is sum(w * loss) / sum(w), the
    weighted mean of PyTorch's `CrossEntropyLoss(weight=..., ignore_index=...)` taken per image.
    """

    def __init__(
        self, class_weights: list[float] | None = None, name: str = "masked_cross_entropy", **kwargs
    ):
        super().__init__(name=name, **kwargs)
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]

    def call(self, y_true, y_pred):
        labels = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32")
        valid = ops.not_equal(labels, IGNORE)
        safe = ops.where(valid, labels, 0)
        per_pixel = keras.losses.sparse_categorical_crossentropy(safe, y_pred, from_logits=True)
        if self.class_weights is None:
            weights = ops.ones_like(per_pixel)
        else:
            weights = ops.take(ops.convert_to_tensor(self.class_weights, dtype=per_pixel.dtype), safe)
        weights = ops.where(valid, weights, 0.0)
        axes = tuple(range(1, len(per_pixel.shape)))
        # Keras then averages the images; a crop that is all void contributes zero, not NaN.
        return ops.sum(per_pixel * weights, axis=axes) / ops.maximum(ops.sum(weights, axis=axes), 1e-6)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_weights": self.class_weights}


def class_frequencies(masks: list[np.ndarray], num_classes: int) -> np.ndarray:
    """Pixel count of each class over the masks (void excluded), as fractions."""
    counts = np.zeros(num_classes, np.float64)
    for mask in masks:
        counts += np.bincount(mask.ravel(), minlength=IGNORE + 1)[:num_classes]
    return counts / max(counts.sum(), 1.0)


def median_frequency_weights(frequencies: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Median frequency balancing (Eigen & Fergus 2015, used by SegNet): w_c = (median f / f_c) ** power.

    power 1 is the classic weighting, 0.5 a softer one, 0 no weighting; absent classes get weight 0.
    """
    present = frequencies > 0
    weights = np.zeros_like(frequencies)
    weights[present] = (np.median(frequencies[present]) / frequencies[present]) ** power
    return weights
