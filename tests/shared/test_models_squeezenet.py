"""SqueezeNet v1.1: the ImageNet weights land in the right layers, preprocessing and strides are right."""

import os
from pathlib import Path

import keras
import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.models.squeezenet import (
    WEIGHTS_FILE,
    caffe_preprocess,
    caffe_preprocess_grey,
    load_squeezenet_weights,
    squeezenet_features,
)


def weights_path() -> Path:
    path = Path(os.environ.get("DLDEMO_DATA", "/nonexistent")) / "weights" / WEIGHTS_FILE
    if not path.is_file():
        pytest.skip("no SqueezeNet weights under DLDEMO_DATA: `dldemo data fetch squeezenet`")
    return path


def trunk(channels: int = 3) -> keras.Model:
    inputs = keras.Input((None, None, channels))
    bgr = caffe_preprocess_grey(inputs) if channels == 1 else inputs
    return keras.Model(inputs, squeezenet_features(bgr))


def test_features_have_strides_4_8_16():
    shapes = [tuple(t.shape) for t in trunk().predict_on_batch(np.zeros((1, 224, 160, 3), "float32"))]
    assert shapes == [(1, 56, 40, 128), (1, 28, 20, 256), (1, 14, 10, 512)]


def test_grey_preprocessing_matches_the_caffe_reference():
    grey = np.random.default_rng(0).uniform(0, 255, (1, 8, 8, 1)).astype("float32")
    inputs = keras.Input((None, None, 1))
    model = keras.Model(inputs, caffe_preprocess_grey(inputs))
    expected = caffe_preprocess(np.repeat(grey, 3, axis=-1))
    np.testing.assert_allclose(model.predict_on_batch(grey), expected, atol=1e-4)


@pytest.mark.dataset
def test_imagenet_weights_load_into_the_right_layers():
    import h5py

    path = weights_path()
    model = trunk()
    assert load_squeezenet_weights(model, path) == 50  # 25 conv layers: kernel + bias
    assert model.count_params() == 722_496
    with h5py.File(path, "r") as h5:
        group = h5["fire9/expand3x3"]
        kernel, bias = (np.asarray(group[name]) for name in group.attrs["weight_names"])
    ours = model.get_layer("fire9_expand3x3").get_weights()
    np.testing.assert_array_equal(ours[0], kernel)
    np.testing.assert_array_equal(ours[1], bias)


@pytest.mark.dataset
def test_first_layer_matches_a_numpy_convolution():
    import h5py

    model = trunk()
    load_squeezenet_weights(model, weights_path())
    conv1 = keras.Model(model.inputs, model.get_layer("conv1").output)
    image = np.random.default_rng(1).uniform(-120, 120, (1, 10, 10, 3)).astype("float32")
    with h5py.File(weights_path(), "r") as h5:
        kernel = np.asarray(h5["conv1/uniform1"])
        bias = np.asarray(h5["conv1/conv1_b"])
    padded = np.pad(image[0], ((0, 1), (0, 1), (0, 0)))  # 'same' with stride 2 pads after
    expected = np.zeros((5, 5, 64), "float32")
    for i in range(5):
        for j in range(5):
            patch = padded[2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
            expected[i, j] = np.tensordot(patch, kernel, axes=3) + bias
    np.testing.assert_allclose(
        conv1.predict_on_batch(image)[0], np.maximum(expected, 0), rtol=1e-4, atol=1e-3
    )


def test_missing_weights_name_the_fetch_command(tmp_path):
    with pytest.raises(UserError, match="dldemo data fetch squeezenet"):
        load_squeezenet_weights(trunk(), tmp_path / WEIGHTS_FILE)
