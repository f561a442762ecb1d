"""The colorize network: a U-Net that sees L and predicts colour at a quarter of the resolution.

Colour varies slowly, so the decoder stops at 1/4 resolution (as in Zhang et al. 2016); the app upsamples
the predicted ab and recombines it with the full-resolution L. Three encoders: a small one trained from
scratch, and SqueezeNet v1.1 or EfficientNet-Lite0 (its blocks up to stride 16) with ImageNet weights,
which know what grass and sky look like, fed the grey image in all three channels. Two heads:
- "classification": logits over the quantized ab classes (decoded with the annealed mean);
- "regression": ab / 110 directly (the L2 baseline, which tends to sepia).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from dldemo.apps.colorize.recipes import ENCODERS
from dldemo.shared.models.efficientnet_lite import efficientnet_lite0_features
from dldemo.shared.models.squeezenet import caffe_preprocess_grey, squeezenet_features
from dldemo.shared.models.unet import (
    decode_to_quarter,
    level_widths,
    project_taps,
    scratch_encoder,
)


@keras.saving.register_keras_serializable(package="dldemo.colorize")
class LightnessToGrey(layers.Layer):
    """Model input (L / 50 - 1) -> the sRGB grey level (0-255) of that lightness, for ImageNet encoders."""

    def call(self, normalized):
        lightness = (normalized + 1.0) * 50.0
        fy = (lightness + 16.0) / 116.0
        luminance = ops.where(fy > 6.0 / 29.0, fy**3, 3.0 * (6.0 / 29.0) ** 2 * (fy - 4.0 / 29.0))
        luminance = ops.clip(luminance, 0.0, 1.0)
        srgb = ops.where(luminance > 0.0031308, 1.055 * luminance ** (1.0 / 2.4) - 0.055, 12.92 * luminance)
        return 255.0 * srgb


MODEL_NAME = "colorizer"


def build_colorizer(num_outputs: int, *, width: int = 32, encoder: str = "scratch") -> keras.Model:
    """U-Net on L in [-1, 1] (any size divisible by 16) -> (H/4, W/4, num_outputs) raw outputs.

    The ImageNet encoders start from random weights here: load ImageNet's with
    ``shared.models.unet.load_imagenet_encoder`` before training.
    """
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}: choose one of {ENCODERS}")
    widths = level_widths(width)
    inputs = keras.Input((None, None, 1), name="lightness")
    if encoder == "squeezenet":
        grey = LightnessToGrey(name="lightness_to_grey")(inputs)
        skips = project_taps(squeezenet_features(caffe_preprocess_grey(grey)), widths)
    elif encoder == "efficientnet-lite0":
        grey = LightnessToGrey(name="lightness_to_grey")(inputs)
        features = efficientnet_lite0_features(layers.Concatenate(name="grey_rgb")([grey, grey, grey]))
        skips = project_taps([features[4], features[8], features[16]], widths)
    else:
        skips = scratch_encoder(inputs, widths)
    x = decode_to_quarter(skips, widths)
    outputs = layers.Conv2D(num_outputs, 1, name="head", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=MODEL_NAME)
