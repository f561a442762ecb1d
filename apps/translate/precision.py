"""Shipping weights in float16 (half the file) and computing in float32 after loading."""

from __future__ import annotations

import keras
import numpy as np

from dldemo.apps.translate.model import Shape, build_translator, settings_of


def _rebuilt(model: keras.Model, dtype: str) -> keras.Model:
    """The same translator with variables (and computation) in ``dtype``."""
    settings = settings_of(model)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype)
    try:
        shape = Shape(**settings["shape"])
        copy = build_translator(shape, subwords=settings["subwords"], pair=settings["pair"])
    finally:
        keras.config.set_dtype_policy(previous)
    copy.set_weights([np.asarray(w, dtype) for w in model.get_weights()])
    return copy


def to_float16(model: keras.Model) -> keras.Model:
    """A float16 copy for saving: about half the bytes of float32."""
    return _rebuilt(model, "float16")


def as_float32(model: keras.Model) -> keras.Model:
    """``model`` itself if it computes in float32, else a float32 copy (fp16 is slow on CPUs)."""
    if model.get_layer("logits").kernel.dtype == "float32":
        return model
    return _rebuilt(model, "float32")
