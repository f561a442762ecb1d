"""Losses of the colorize app."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dldemo.colorize")
def rebalanced_cross_entropy(y_true, y_pred):
    """Zhang et al. eq. 2: cross-entropy against soft targets already scaled by the rebalancing weight."""
    return -ops.mean(ops.sum(y_true * ops.log_softmax(y_pred, axis=-1), axis=-1), axis=(1, 2))
