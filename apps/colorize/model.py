"""The colorize network: a U-Net that sees L and predicts colour at a quarter of the resolution.

Colour varies slowly, so the decoder stops at 1/4 resolution (as in Zhang et al. 2016); the app upsamples
the predicted ab and recombines it with the full-resolution L. Two encoders: a small one trained from
scratch, and SqueezeNet v1.1 with ImageNet weights (which knows what grass and sky look like). Two heads:
- "classification": logits over the quantized ab classes (decoded with the annealed mean);
- "regression": ab / 110 directly (the L2 baseline, which tends to sepia).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from dldemo.shared.models.squeezenet import caffe_preprocess_grey, squeezenet_features

DOWNSAMPLE = 16  # input sides must be multiples of this
OUTPUT_STRIDE = 4


def conv_block(x, filters: int, *, stride: int = 1, dilation: int = 1, name: str):
    x = layers.Conv2D(
        filters,
        3,
        strides=stride,
        dilation_rate=dilation,
        padding="same",
        use_bias=False,
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


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


def scratch_encoder(inputs, widths: list[int]) -> list:
    """Four stride-2 levels of two 3x3 conv blocks; returns the features at 1/2 ... 1/16."""
    skips = []
    x = inputs
    for level, filters in enumerate(widths, start=1):
        x = conv_block(x, filters, stride=2, name=f"down{level}a")
        x = conv_block(x, filters, name=f"down{level}b")
        skips.append(x)
    return skips


def build_colorizer(
    num_outputs: int, *, width: int = 32, encoder: str = "scratch", name: str = "colorizer"
) -> keras.Model:
    """U-Net on L in [-1, 1] (any size divisible by 16) -> (H/4, W/4, num_outputs) raw outputs.

    The squeezenet encoder starts from random weights here: load ImageNet's with
    dldemo.shared.models.squeezenet.load_squeezenet_weights before training.
    """
    widths = [width, width * 2, width * 4, width * 6]
    inputs = keras.Input((None, None, 1), name="lightness")
    if encoder == "squeezenet":
        grey = LightnessToGrey(name="lightness_to_grey")(inputs)
        taps = squeezenet_features(caffe_preprocess_grey(grey))
        skips = [
            None,
            *(
                layers.Conv2D(w, 1, name=f"skip{i}_proj")(t)
                for i, (w, t) in enumerate(zip(widths[1:], taps, strict=True), start=2)
            ),
        ]
        x = skips[-1]
    else:
        skips = scratch_encoder(inputs, widths)
        x = skips[-1]
    # Context at 1/16: two dilated blocks and global image pooling, as in DeepLab's ASPP.
    x = conv_block(x, widths[-1], dilation=2, name="context1")
    x = conv_block(x, widths[-1], dilation=4, name="context2")
    pooled = layers.GlobalAveragePooling2D(keepdims=True, name="global_pool")(x)
    pooled = layers.Conv2D(widths[-1], 1, activation="relu", name="global_proj")(pooled)
    x = layers.Add(name="global_add")([x, pooled])
    for level in (3, 2):
        x = layers.Conv2D(widths[level - 1], 1, name=f"up{level}_proj")(x)
        x = layers.UpSampling2D(2, name=f"up{level}_resize")(x)
        x = layers.Add(name=f"up{level}_skip")([x, skips[level - 1]])
        x = conv_block(x, widths[level - 1], name=f"up{level}")
    outputs = layers.Conv2D(num_outputs, 1, name="head", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)
