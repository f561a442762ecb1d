"""EfficientNet-Lite0 (Tan & Le 2019, the mobile 'Lite' variant) as a Keras 3 encoder, with ImageNet weights.

Lite means: no squeeze-and-excitation, ReLU6 everywhere, a stem of 32 and a head of 1280 channels. The blocks
follow EfficientNet-B0's table. The weights (dataset `efficientnet-lite0`, fetched with
`dldemo data fetch efficientnet-lite0`) are a PyTorch state_dict converted from Google's TF checkpoints, read
as the reference copy's `.npz` or as the original `.pth` (through the restricted reader of `torch_weights`).

Callers feed RGB 0-255: the model scales it to (x - 127) / 128 itself. Convolutions use Keras "same" padding
(for stride 2 the extra pixel goes right and bottom, as in the TF original), so any input size works and a
side n gives features of ceil(n / s) at stride s. The features at strides 4, 8, 16 and 32 come out of
identity layers named `stride4`, `stride8`, `stride16` and `stride32` (after blocks 2, 4, 10 and the head).
"""

from __future__ import annotations

import re
from pathlib import Path

import keras
import numpy as np
from keras import layers

from dldemo.shared.errors import UserError
from dldemo.shared.models.torch_weights import read_state_dict

DATASET = "efficientnet-lite0"
WEIGHTS_NPZ = "efficientnet-lite0_imagenet.npz"
WEIGHTS_PTH = "efficientnet-lite0-57934424.pth"
BN_EPSILON = 1e-3
STEM_CHANNELS, HEAD_CHANNELS, CLASSES = 32, 1280, 1000
# (expansion, kernel, stride, repeats, output channels) of each stage: EfficientNet-B0's table.
STAGES = (
    (1, 3, 1, 1, 16),
    (6, 3, 2, 2, 24),
    (6, 5, 2, 2, 40),
    (6, 3, 2, 3, 80),
    (6, 5, 1, 3, 112),
    (6, 5, 2, 4, 192),
    (6, 3, 1, 1, 320),
)
NUM_BLOCKS = sum(repeats for _, _, _, repeats, _ in STAGES)  # 16
TAPS = {2: 4, 4: 8, 10: 16}  # block index -> the stride of its output; the head gives stride 32
STRIDES = (4, 8, 16, 32)


def conv_bn(x, filters: int, kernel: int, name: str, bn_name: str, strides: int = 1, relu6: bool = True):
    """Convolution without bias, BatchNorm, then ReLU6 unless it is a projection."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=bn_name)(x)
    return layers.ReLU(6.0, name=f"{name}_relu6")(x) if relu6 else x


def mbconv(x, index: int, expansion: int, kernel: int, strides: int, filters: int):
    """Block `index`: 1x1 expansion, depthwise convolution, 1x1 projection; residual when shapes allow."""
    inputs, name = x, f"block{index}"
    channels = x.shape[-1]
    if expansion != 1:
        x = conv_bn(x, channels * expansion, 1, f"{name}_expand_conv", f"{name}_expand_bn")
    x = layers.DepthwiseConv2D(
        kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_depthwise_conv"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_depthwise_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_depthwise_conv_relu6")(x)
    x = conv_bn(x, filters, 1, f"{name}_project_conv", f"{name}_project_bn", relu6=False)
    if strides == 1 and channels == filters:
        x = layers.Add(name=f"{name}_add")([inputs, x])
    return x


def efficientnet_lite0_features(rgb) -> dict[int, keras.KerasTensor]:
    """The trunk on an RGB 0-255 tensor -> {4: 24 channels, 8: 40, 16: 112, 32: 1280}, by stride."""
    x = layers.Rescaling(1 / 128, offset=-127 / 128, name="preprocess")(rgb)  # (x - 127) / 128
    x = conv_bn(x, STEM_CHANNELS, 3, "stem_conv", "stem_bn", strides=2)
    features, index = {}, 0
    for expansion, kernel, strides, repeats, filters in STAGES:
        for repeat in range(repeats):
            x = mbconv(x, index, expansion, kernel, strides if repeat == 0 else 1, filters)
            if index in TAPS:
                x = layers.Identity(name=f"stride{TAPS[index]}")(x)
                features[TAPS[index]] = x
            index += 1
    x = conv_bn(x, HEAD_CHANNELS, 1, "head_conv", "head_bn")
    features[32] = layers.Identity(name="stride32")(x)
    return features


def efficientnet_lite0(
    input_shape=(None, None, 3),
    include_top: bool = False,
    dropout: float = 0.2,
    classifier_activation: str | None = "softmax",
    name: str = "efficientnet_lite0",
) -> keras.Model:
    """EfficientNet-Lite0 on RGB 0-255: its stride-32 features, or with `include_top` the ImageNet classes.

    The other strides are at `feature_taps(model)`. Random weights: see `load_efficientnet_lite0_weights`.
    """
    inputs = keras.Input(input_shape, name="rgb")
    x = efficientnet_lite0_features(inputs)[32]
    if include_top:
        x = layers.GlobalAveragePooling2D(name="head_pool")(x)
        x = layers.Dropout(dropout, name="head_dropout")(x)
        x = layers.Dense(CLASSES, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name=name)


def feature_taps(model: keras.Model) -> dict[int, keras.KerasTensor]:
    """{stride: output} of the four feature taps of a model built with EfficientNet-Lite0 inside."""
    return {stride: model.get_layer(f"stride{stride}").output for stride in STRIDES}


def torch_name(layer_name: str) -> str | None:
    """The state_dict prefix of one of our layers (`block3_expand_bn` -> `_blocks.3._bn0`), else None."""
    fixed = {
        "stem_conv": "_conv_stem",
        "stem_bn": "_bn0",
        "head_conv": "_conv_head",
        "head_bn": "_bn1",
        "predictions": "_fc",
    }
    if layer_name in fixed:
        return fixed[layer_name]
    parts = {
        "expand_conv": "_expand_conv",
        "expand_bn": "_bn0",
        "depthwise_conv": "_depthwise_conv",
        "depthwise_bn": "_bn1",
        "project_conv": "_project_conv",
        "project_bn": "_bn2",
    }
    match = re.fullmatch(r"block(\d+)_(\w+)", layer_name)
    if match and match.group(2) in parts:
        return f"_blocks.{match.group(1)}.{parts[match.group(2)]}"
    return None


def _block_of(layer_name: str) -> int | None:
    """The block of one of our layers with weights: -1 for the stem, NUM_BLOCKS for the head, else None."""
    prefix = torch_name(layer_name)
    if prefix is None:
        return None
    if match := re.match(r"_blocks\.(\d+)\.", prefix):
        return int(match.group(1))
    return -1 if prefix in ("_conv_stem", "_bn0") else NUM_BLOCKS


def freeze_encoder(model: keras.Model, trainable_from: int | None = None) -> int:
    """Freeze the stem and the blocks before `trainable_from` (0-16); None freezes the whole encoder.

    The blocks from `trainable_from` on and the head stay trainable (16: the head only). Frozen BatchNorm
    layers run in inference mode. Layers that are not EfficientNet's (a decoder) are left alone. Returns how
    many layers with weights were frozen.
    """
    if trainable_from is not None and not 0 <= trainable_from <= NUM_BLOCKS:
        raise ValueError(f"trainable_from must be between 0 and {NUM_BLOCKS}, or None; got {trainable_from}")
    limit = NUM_BLOCKS + 1 if trainable_from is None else trainable_from
    frozen = 0
    for layer in _all_layers(model):
        block = _block_of(layer.name)
        if block is None:
            continue
        layer.trainable = block >= limit
        frozen += not layer.trainable
    return frozen


def _all_layers(model: keras.Model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def to_keras(layer: keras.layers.Layer, state: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    """The arrays of `layer` from the PyTorch tensors under `prefix`, in Keras layouts."""
    if isinstance(layer, layers.BatchNormalization):
        return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]
    weight = state[f"{prefix}.weight"]
    if isinstance(layer, layers.DepthwiseConv2D):
        return [weight.transpose(2, 3, 0, 1)]  # (C, 1, kh, kw) -> (kh, kw, C, 1)
    if isinstance(layer, layers.Conv2D):
        return [weight.transpose(2, 3, 1, 0)]  # (out, in, kh, kw) -> (kh, kw, in, out)
    if isinstance(layer, layers.Dense):
        return [weight.T, state[f"{prefix}.bias"]]  # (out, in) -> (in, out)
    raise TypeError(f"no PyTorch layout known for {type(layer).__name__} {layer.name}")


def weights_file(folder: str | Path) -> Path:
    """The weights in the dataset folder: the `.npz` if there is one, else the original `.pth`."""
    folder = Path(folder)
    for name in (WEIGHTS_NPZ, WEIGHTS_PTH):
        if (folder / name).is_file():
            return folder / name
    raise UserError(f"EfficientNet-Lite0 weights not found in {folder}: run `dldemo data fetch {DATASET}`")


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The state_dict tensors of a `.npz` or `.pth` file, in PyTorch layouts, by name."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    return read_state_dict(path)


def load_efficientnet_lite0_weights(model: keras.Model, path: str | Path) -> int:
    """Copy the ImageNet weights into the EfficientNet-Lite0 layers of `model`; returns the arrays set.

    `path` is the `.npz` or `.pth` file, or the folder that holds them (the `.npz` is preferred).
    """
    path = Path(path)
    if path.is_dir():
        path = weights_file(path)
    if not path.is_file():
        raise UserError(f"EfficientNet-Lite0 weights not found at {path}: run `dldemo data fetch {DATASET}`")
    state = read_weights(path)
    assignments = []
    for layer in _all_layers(model):
        prefix = torch_name(layer.name)
        if prefix is None:
            continue
        try:
            arrays = to_keras(layer, state, prefix)
        except KeyError as exc:
            missing = exc.args[0]
            raise UserError(f"{path} has no {missing}: is this the EfficientNet-Lite0 state_dict?") from None
        expected = [tuple(v.shape) for v in layer.weights]
        if [a.shape for a in arrays] != expected:
            raise UserError(
                f"{path}: {prefix} holds {[a.shape for a in arrays]}, expected {expected} for layer "
                f"{layer.name}: is this the EfficientNet-Lite0 state_dict?"
            )
        assignments.append((layer, arrays))
    if not assignments:
        raise UserError(f"{model.name} has no EfficientNet-Lite0 layers to load {path} into")
    for layer, arrays in assignments:  # only once every layer has its arrays: nothing is half loaded
        layer.set_weights(arrays)
    return sum(len(arrays) for _, arrays in assignments)
