"""SqueezeNet v1.1 (Iandola et al. 2016) as a Keras 3 feature extractor, with the ImageNet weights.

The weights are the Caffe model converted to a legacy Keras HDF5 file (dataset `squeezenet`, fetched with
`dldemo data fetch squeezenet`). Its inputs are Caffe-style: BGR, 0-255, ImageNet mean subtracted.
Pools use 'same' padding so that a side divisible by 16 gives features at exactly 1/4, 1/8 and 1/16.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from dldemo.shared.errors import UserError

WEIGHTS_FILE = "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
# (name, squeeze, expand) of each fire module; a max-pool comes before fire4 and fire6.
FIRES = (
    ("fire2", 16, 64),
    ("fire3", 16, 64),
    ("fire4", 32, 128),
    ("fire5", 32, 128),
    ("fire6", 48, 192),
    ("fire7", 48, 192),
    ("fire8", 64, 256),
    ("fire9", 64, 256),
)
POOL_BEFORE = {"fire4": "pool3", "fire6": "pool5"}
FEATURE_TAPS = ("fire3", "fire5", "fire9")  # strides 4, 8, 16


def fire(x, name: str, squeeze: int, expand: int):
    s = layers.Conv2D(squeeze, 1, activation="relu", name=f"{name}_squeeze1x1")(x)
    e1 = layers.Conv2D(expand, 1, activation="relu", name=f"{name}_expand1x1")(s)
    e3 = layers.Conv2D(expand, 3, padding="same", activation="relu", name=f"{name}_expand3x3")(s)
    return layers.Concatenate(name=f"{name}_concat")([e1, e3])


def squeezenet_features(bgr_centred) -> list:
    """The trunk on a Caffe-preprocessed BGR tensor -> [stride-4 (128), stride-8 (256), stride-16 (512)]."""
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="conv1")(bgr_centred)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    taps = []
    for name, squeeze, expand in FIRES:
        if name in POOL_BEFORE:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=POOL_BEFORE[name])(x)
        x = fire(x, name, squeeze, expand)
        if name in FEATURE_TAPS:
            taps.append(x)
    return taps


def caffe_preprocess_grey(grey):
    """A 1-channel 0-255 grey tensor -> the 3-channel mean-subtracted input SqueezeNet expects."""
    rgb = layers.Concatenate(name="grey_to_bgr")([grey, grey, grey])
    return layers.Normalization(mean=CAFFE_MEAN_BGR, variance=(1.0, 1.0, 1.0), name="caffe_mean")(rgb)


@keras.saving.register_keras_serializable(package="dldemo.shared")
class CaffePreprocess(layers.Layer):
    """RGB 0-255 -> BGR minus the ImageNet mean: the input SqueezeNet's converted Caffe weights expect."""

    def call(self, rgb):
        bgr = ops.flip(rgb, axis=-1)
        return bgr - ops.convert_to_tensor(CAFFE_MEAN_BGR, dtype=bgr.dtype)


def caffe_preprocess(rgb: np.ndarray) -> np.ndarray:
    """NumPy reference of Caffe preprocessing: RGB 0-255 -> BGR minus the ImageNet mean."""
    return rgb[..., ::-1].astype(np.float32) - np.asarray(CAFFE_MEAN_BGR, np.float32)


def _h5_layer_names(model: keras.Model) -> dict[str, keras.layers.Layer]:
    """HDF5 layer name (with '/') -> our layer, for every SqueezeNet layer with weights."""
    names = {"conv1": model.get_layer("conv1")}
    for name, _, _ in FIRES:
        for part in ("squeeze1x1", "expand1x1", "expand3x3"):
            names[f"{name}/{part}"] = model.get_layer(f"{name}_{part}")
    return names


def load_squeezenet_weights(model: keras.Model, path: str | Path) -> int:
    """Copy the ImageNet weights into the SqueezeNet layers of `model`; returns how many arrays were set."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise UserError(f"SqueezeNet weights not found at {path}: run `dldemo data fetch squeezenet`")
    loaded = 0
    with h5py.File(path, "r") as h5:
        for h5_name, layer in _h5_layer_names(model).items():
            group = h5[h5_name]
            arrays = [np.asarray(group[w]) for w in group.attrs["weight_names"]]
            expected = [tuple(v.shape) for v in layer.weights]
            if [a.shape for a in arrays] != expected:
                raise UserError(
                    f"{path}: layer {h5_name} holds {[a.shape for a in arrays]}, expected "
                    f"{expected}: is this the SqueezeNet v1.1 no-top file?"
                )
            layer.set_weights(arrays)
            loaded += len(arrays)
    return loaded
