"""U-Net building blocks shared by the dense-prediction apps (colorize, segment).

Encoders give features at strides 2, 4, 8 and 16; the decoder adds DeepLab-style context at 1/16
(dilated convolutions and global image pooling) and climbs back to 1/4 through the skips.
"""

from __future__ import annotations

import keras
from keras import layers

from dldemo.shared.data import dataset_path
from dldemo.shared.models.efficientnet_lite import DATASET, load_efficientnet_lite0_weights
from dldemo.shared.models.squeezenet import WEIGHTS_FILE, load_squeezenet_weights

DOWNSAMPLE = 16  # input sides must be multiples of this
OUTPUT_STRIDE = 4  # the decoder stops at a quarter of the input resolution


def level_widths(width: int) -> list[int]:
    """Channels at strides 2, 4, 8 and 16 for a base width."""
    return [width, width * 2, width * 4, width * 6]


def conv_block(x, filters: int, *, stride: int = 1, dilation: int = 1, name: str):
    """3x3 convolution, batch norm, ReLU."""
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


def scratch_encoder(inputs, widths: list[int]) -> list:
    """Four stride-2 levels of two 3x3 conv blocks; returns the features at 1/2 ... 1/16."""
    skips = []
    x = inputs
    for level, filters in enumerate(widths, start=1):
        x = conv_block(x, filters, stride=2, name=f"down{level}a")
        x = conv_block(x, filters, name=f"down{level}b")
        skips.append(x)
    return skips


def project_taps(taps: list, widths: list[int]) -> list:
    """An ImageNet encoder's stride-4/8/16 taps, projected to the decoder widths; None stands in for
    stride 2."""
    return [
        None,
        *(
            layers.Conv2D(w, 1, name=f"skip{i}_proj")(t)
            for i, (w, t) in enumerate(zip(widths[1:], taps, strict=True), start=2)
        ),
    ]


def decode_to_quarter(skips: list, widths: list[int]):
    """Context at 1/16, then upsample-and-add through the 1/8 and 1/4 skips; returns 1/4 features."""
    x = conv_block(skips[-1], widths[-1], dilation=2, name="context1")
    x = conv_block(x, widths[-1], dilation=4, name="context2")
    pooled = layers.GlobalAveragePooling2D(keepdims=True, name="global_pool")(x)
    pooled = layers.Conv2D(widths[-1], 1, activation="relu", name="global_proj")(pooled)
    x = layers.Add(name="global_add")([x, pooled])
    for level in (3, 2):
        x = layers.Conv2D(widths[level - 1], 1, name=f"up{level}_proj")(x)
        x = layers.UpSampling2D(2, name=f"up{level}_resize")(x)
        x = layers.Add(name=f"up{level}_skip")([x, skips[level - 1]])
        x = conv_block(x, widths[level - 1], name=f"up{level}")
    return x


def load_imagenet_encoder(model: keras.Model, encoder: str) -> None:
    """Load ImageNet weights from their datasets into a U-Net's encoder: "squeezenet" or
    "efficientnet-lite0" ("scratch" has none to load)."""
    if encoder == "squeezenet":
        load_squeezenet_weights(model, dataset_path("squeezenet") / WEIGHTS_FILE)
    elif encoder == "efficientnet-lite0":
        load_efficientnet_lite0_weights(model, dataset_path(DATASET))
