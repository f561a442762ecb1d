"""The segment network: a U-Net over RGB that outputs per-pixel class logits at full resolution.

The encoder is EfficientNet-Lite0 (its blocks up to stride 16) or SqueezeNet v1.1, both with ImageNet
weights, or a small one trained from scratch; the shared decoder adds context at 1/16 and climbs back to
1/4 through the skips, as in DeepLabV3+; the logits are then upsampled bilinearly to the input size.
"""

from __future__ import annotations

import keras
from keras import layers

from dldemo.apps.segment.losses import MaskedCrossEntropy
from dldemo.apps.segment.recipes import ENCODERS
from dldemo.shared.models.efficientnet_lite import efficientnet_lite0_features
from dldemo.shared.models.squeezenet import CaffePreprocess, squeezenet_features
from dldemo.shared.models.unet import (
    OUTPUT_STRIDE,
    decode_to_quarter,
    level_widths,
    project_taps,
    scratch_encoder,
)

MODEL_NAME = "segmenter"


def build_segmenter(num_classes: int, *, width: int = 32, encoder: str = "squeezenet") -> keras.Model:
    """RGB 0-255 (sides divisible by 16) -> (H, W, num_classes) logits.

    The ImageNet encoders start from random weights here: load ImageNet's with
    ``shared.models.unet.load_imagenet_encoder`` before training.
    """
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}: choose one of {ENCODERS}")
    widths = level_widths(width)
    inputs = keras.Input((None, None, 3), name="rgb")
    if encoder == "squeezenet":
        skips = project_taps(squeezenet_features(CaffePreprocess(name="caffe_preprocess")(inputs)), widths)
    elif encoder == "efficientnet-lite0":
        features = efficientnet_lite0_features(inputs)  # only the blocks up to stride 16 end up in the model
        skips = project_taps([features[4], features[8], features[16]], widths)
    else:
        scaled = layers.Rescaling(1 / 127.5, offset=-1.0, name="scale")(inputs)
        skips = scratch_encoder(scaled, widths)
    x = decode_to_quarter(skips, widths)
    x = layers.Conv2D(num_classes, 1, name="head")(x)
    logits = layers.UpSampling2D(OUTPUT_STRIDE, interpolation="bilinear", name="logits", dtype="float32")(x)
    return keras.Model(inputs, logits, name=MODEL_NAME)


def custom_objects() -> dict:
    """The classes a saved segmenter (with its loss) needs to load in safe mode."""
    return {"MaskedCrossEntropy": MaskedCrossEntropy, "CaffePreprocess": CaffePreprocess}
