"""The colorize network: a small U-Net that sees L and predicts colour at a quarter of the resolution.

Colour varies slowly, so the decoder stops at 1/4 resolution (as in Zhang et al. 2016); the app upsamples
the predicted ab and recombines it with the full-resolution L. Two heads:
- "classification": logits over the quantized ab classes (decoded with the annealed mean);
- "regression": ab / 110 directly (the L2 baseline, which tends to sepia).
"""

from __future__ import annotations

import keras
from keras import layers

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
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def build_colorizer(num_outputs: int, *, width: int = 32, name: str = "colorizer") -> keras.Model:
    """U-Net on L in [-1, 1] (any size divisible by 16) -> (H/4, W/4, num_outputs) raw outputs."""
    widths = [width, width * 2, width * 4, width * 6]
    inputs = keras.Input((None, None, 1), name="lightness")
    skips = []
    x = inputs
    for level, filters in enumerate(widths, start=1):
        x = conv_block(x, filters, stride=2, name=f"down{level}a")
        x = conv_block(x, filters, name=f"down{level}b")
        skips.append(x)
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
