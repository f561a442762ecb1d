"""The segment network: shapes, Caffe preprocessing, ImageNet weights, saving, and the Segmenter wrapper."""

import contextlib

import keras
import numpy as np
import pytest

from dldemo.apps.segment.labels import CAMVID, IGNORE, LabelSpace
from dldemo.apps.segment.losses import MaskedCrossEntropy
from dldemo.apps.segment.model import build_segmenter, custom_objects
from dldemo.apps.segment.predict import Segmenter, overlay, paint
from dldemo.shared.data import dataset_path
from dldemo.shared.errors import UserError
from dldemo.shared.models.efficientnet_lite import (
    efficientnet_lite0,
    feature_taps,
    load_efficientnet_lite0_weights,
)
from dldemo.shared.models.squeezenet import (
    WEIGHTS_FILE,
    CaffePreprocess,
    caffe_preprocess,
    load_squeezenet_weights,
)

NUM_CLASSES = 3
RGB = LabelSpace.with_default_colours(["red", "green", "blue"])


def fast_random_init():
    """On JAX, non-partitionable Threefry while weights are initialised: the per-shape initialiser
    compilations then take seconds instead of tens of seconds on a 2-core CPU (still seeded)."""
    if keras.backend.backend() != "jax":
        return contextlib.nullcontext()
    import jax

    return jax.threefry_partitionable(False)


def build(encoder: str) -> keras.Model:
    keras.utils.set_random_seed(0)
    with fast_random_init():
        return build_segmenter(NUM_CLASSES, width=8, encoder=encoder)


@pytest.fixture(params=["squeezenet", "efficientnet-lite0", "scratch"])
def segmenter_model(request) -> keras.Model:
    return build(request.param)


@pytest.fixture
def scratch_model() -> keras.Model:
    """For the Segmenter tests: both encoders keep the same size contract (checked above), and on JAX
    every new architecture costs seconds of first-time compilation."""
    return build("scratch")


def rgb_images(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


def colour_channels_model() -> keras.Model:
    """A stand-in network whose logits are the input's R, G and B: class = the strongest channel."""
    inputs = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(3, 1, use_bias=False)
    model = keras.Model(inputs, conv(inputs))
    conv.set_weights([np.eye(3, dtype=np.float32)[None, None]])
    return model


@pytest.mark.parametrize("batch_shape", [(1, 32, 48), (2, 64, 16)])
def test_logits_have_the_input_size(segmenter_model, batch_shape):
    logits = np.asarray(segmenter_model.predict_on_batch(rgb_images((*batch_shape, 3)).astype(np.float32)))
    assert logits.shape == (*batch_shape, NUM_CLASSES)
    assert logits.dtype == np.float32
    assert np.isfinite(logits).all()


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError, match="unknown encoder"):
        build_segmenter(NUM_CLASSES, encoder="resnet")


def test_caffe_preprocess_layer_matches_the_numpy_reference():
    images = np.random.default_rng(1).uniform(0, 255, (2, 5, 7, 3)).astype(np.float32)
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, CaffePreprocess()(inputs))
    np.testing.assert_allclose(model.predict_on_batch(images), caffe_preprocess(images), atol=1e-4)


def test_squeezenet_segmenter_feeds_the_trunk_caffe_input():
    model = build("squeezenet")
    preprocess = keras.Model(model.inputs, model.get_layer("caffe_preprocess").output)
    assert model.get_layer("conv1").input is model.get_layer("caffe_preprocess").output
    images = rgb_images((1, 16, 16, 3)).astype(np.float32)
    np.testing.assert_allclose(preprocess.predict_on_batch(images), caffe_preprocess(images), atol=1e-4)


@pytest.mark.dataset
def test_imagenet_weights_load_into_the_segmenter_encoder():
    import h5py

    try:
        path = dataset_path("squeezenet") / WEIGHTS_FILE
    except UserError as error:
        pytest.skip(f"SqueezeNet weights not installed: {error}")
    model = build("squeezenet")
    head_before = model.get_layer("head").get_weights()
    assert load_squeezenet_weights(model, path) == 50  # 25 convolutions: kernel and bias
    with h5py.File(path, "r") as h5:
        for h5_name, ours in (("conv1", "conv1"), ("fire9/expand3x3", "fire9_expand3x3")):
            group = h5[h5_name]
            expected = [np.asarray(group[name]) for name in group.attrs["weight_names"]]
            for got, want in zip(model.get_layer(ours).get_weights(), expected, strict=True):
                np.testing.assert_array_equal(got, want)
    for got, want in zip(model.get_layer("head").get_weights(), head_before, strict=True):
        np.testing.assert_array_equal(got, want)  # the decoder keeps its own initialisation


def test_lite0_segmenter_keeps_the_trunk_up_to_stride_16_only():
    names = {layer.name for layer in build("efficientnet-lite0").layers}
    assert {"stride4", "stride8", "stride16", "block10_project_conv"} <= names
    assert not names & {"stride32", "head_conv", "block11_expand_conv"}  # unused: not computed


@pytest.mark.dataset
def test_lite0_imagenet_weights_give_the_classifiers_stride_16_features(lite0_weights):
    model = build("efficientnet-lite0")
    load_efficientnet_lite0_weights(model, lite0_weights)
    classifier = efficientnet_lite0()
    load_efficientnet_lite0_weights(classifier, lite0_weights)
    images = rgb_images((1, 64, 96, 3)).astype(np.float32)
    ours = keras.Model(model.inputs, model.get_layer("stride16").output).predict_on_batch(images)
    theirs = keras.Model(classifier.inputs, feature_taps(classifier)[16]).predict_on_batch(images)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # saved before any step
def test_save_and_load_round_trip(segmenter_model, tmp_path):
    segmenter_model.compile(keras.optimizers.Adam(1e-3), loss=MaskedCrossEntropy([0.5, 1.0, 2.0]))
    path = tmp_path / "segmenter.keras"
    segmenter_model.save(path)
    with fast_random_init():
        loaded = keras.saving.load_model(path, safe_mode=True, custom_objects=custom_objects())
    images = rgb_images((2, 32, 48, 3), seed=2).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict_on_batch(images), segmenter_model.predict_on_batch(images))
    assert isinstance(loaded.loss, MaskedCrossEntropy)
    assert loaded.loss.class_weights == [0.5, 1.0, 2.0]


def test_logits_of_any_size_are_cropped_back_in_place():
    segmenter = Segmenter(colour_channels_model(), RGB)
    image = rgb_images((50, 70, 3), seed=3)
    np.testing.assert_array_equal(segmenter.logits(image), image.astype(np.float32))
    batch = rgb_images((2, 37, 16, 3), seed=4)
    np.testing.assert_array_equal(segmenter.logits(batch), batch.astype(np.float32))


def test_real_network_logits_keep_odd_sizes(scratch_model):
    segmenter = Segmenter(scratch_model, RGB)
    images = rgb_images((1, 50, 70, 3), seed=5)  # batches of several images: see the stand-in tests
    logits = segmenter.logits(images)
    assert logits.shape == (1, 50, 70, NUM_CLASSES)
    np.testing.assert_array_equal(segmenter.logits(images[0]), logits[0])
    labels = segmenter.segment(images[0])
    assert labels.dtype == np.uint8 and labels.shape == (50, 70)
    np.testing.assert_array_equal(labels, np.argmax(logits[0], -1))


def test_real_network_segments_a_smaller_copy_at_full_size(scratch_model):
    segmenter = Segmenter(scratch_model, RGB)
    image = rgb_images((50, 70, 3), seed=6)
    small = segmenter.segment(image, max_side=32)
    assert small.dtype == np.uint8 and small.shape == (50, 70)
    assert small.max() < NUM_CLASSES
    np.testing.assert_array_equal(segmenter.segment(image[None], max_side=32), small[None])


def test_one_network_serves_several_sizes(scratch_model):
    """What evaluation over mixed-size images and `segment(max_side=...)` after a full-size call need."""
    segmenter = Segmenter(scratch_model, RGB)
    for shape in [(50, 70, 3), (20, 30, 3)]:
        assert segmenter.logits(rgb_images(shape)).shape == (*shape[:-1], NUM_CLASSES)
    assert segmenter.segment(rgb_images((50, 70, 3)), max_side=32).shape == (50, 70)


def test_segment_at_a_smaller_size_keeps_regions_in_place():
    segmenter = Segmenter(colour_channels_model(), RGB)
    image = np.zeros((50, 70, 3), np.uint8)
    image[:, :35] = (200, 10, 10)  # left half red
    image[:, 35:] = (10, 10, 200)  # right half blue
    image[:20, 50:] = (10, 200, 10)  # top-right corner green
    expected = np.argmax(image, -1).astype(np.uint8)
    np.testing.assert_array_equal(segmenter.segment(image), expected)
    np.testing.assert_array_equal(segmenter.segment(image, max_side=70), expected)  # no resize needed
    small = segmenter.segment(image, max_side=24)
    assert small.shape == (50, 70)
    # Away from the region borders, a third-size pass gives the same classes.
    inner = np.ones((50, 70), bool)
    inner[:, 28:42] = inner[12:28, 44:] = inner[:, 44:56] = False
    np.testing.assert_array_equal(small[inner], expected[inner])
    batch = segmenter.segment(np.stack([image, image[:, ::-1]]), max_side=24)
    assert batch.shape == (2, 50, 70)
    np.testing.assert_array_equal(batch[0], small)


def test_paint_and_overlay():
    labels = np.array([[0, 1], [10, IGNORE]], np.uint8)
    painted = paint(labels, CAMVID.palette)
    np.testing.assert_array_equal(painted[0, 0], CAMVID.colours[0])
    np.testing.assert_array_equal(painted[0, 1], CAMVID.colours[1])
    np.testing.assert_array_equal(painted[1, 0], CAMVID.colours[10])
    np.testing.assert_array_equal(painted[1, 1], (0, 0, 0))  # void has no colour
    image = rgb_images((2, 2, 3), seed=6)
    np.testing.assert_array_equal(overlay(image, labels, CAMVID.palette, 0.0), image)
    np.testing.assert_array_equal(overlay(image, labels, CAMVID.palette, 1.0), painted)
    half = overlay(image, labels, CAMVID.palette, 0.5).astype(int)
    assert np.abs(half - (image.astype(int) + painted) / 2).max() <= 0.5


def test_segment_at_a_small_size_handles_elongated_frames(scratch_model):
    segmenter = Segmenter(scratch_model, RGB)
    assert segmenter.segment(rgb_images((10, 400, 3)), max_side=32).shape == (10, 400)


def test_test_time_augmentation_keeps_regions_in_place():
    from dldemo.apps.segment.predict import test_time_augmented

    segmenter = Segmenter(colour_channels_model(), RGB)
    image = np.zeros((48, 64, 3), np.uint8)
    image[:, :20] = (200, 10, 10)  # left red: a mirrored view mapped back wrongly would move it right
    image[:, 20:] = (10, 10, 200)
    image[30:, 40:] = (10, 200, 10)
    expected = np.argmax(image, -1)
    predicted = test_time_augmented(segmenter, image, (0.75, 1.0, 1.25))
    assert predicted.shape == (48, 64)
    inside = np.ones_like(expected, bool)  # away from the resampled edges
    inside[:, 18:23] = inside[28:33, 38:] = inside[28:, 38:43] = False
    np.testing.assert_array_equal(predicted[inside], expected[inside])
