"""The segment network learns: mIoU rises on generated shapes, and a tiny run trains end to end."""

import contextlib
import json
import math

import cv2
import keras
import numpy as np
import pytest

from dldemo.apps.segment import training
from dldemo.apps.segment.evaluate import score
from dldemo.apps.segment.labels import CAMVID, IGNORE, LabelSpace
from dldemo.apps.segment.losses import MaskedCrossEntropy
from dldemo.apps.segment.metrics import ConfusionMatrix
from dldemo.apps.segment.model import build_segmenter, custom_objects
from dldemo.apps.segment.predict import Segmenter
from dldemo.apps.segment.recipes import Recipe
from dldemo.shared.models.efficientnet_lite import freeze_encoder, load_efficientnet_lite0_weights

SHAPES = LabelSpace.with_default_colours(["background", "red thing", "green thing"])
COLOURS = {1: (200, 40, 40), 2: (40, 180, 60)}


def fast_random_init():
    """On JAX, non-partitionable Threefry while weights are initialised: the per-shape initialiser
    compilations then take seconds instead of tens of seconds on a 2-core CPU (still seeded)."""
    if keras.backend.backend() != "jax":
        return contextlib.nullcontext()
    import jax

    return jax.threefry_partitionable(False)


def shapes_pair(rng: np.random.Generator, size: int = 48, void_class: int = IGNORE):
    """A noisy grey background with 1-3 red or green rectangles and discs; the mask is each pixel's
    colour class, with a 1-pixel void ring around every shape (as VOC marks its object borders)."""
    image = np.full((size, size, 3), rng.uniform(60, 190), np.float32)
    image += rng.normal(0, 18, (size, size, 1))  # grey noise
    mask = np.zeros((size, size), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        cls = int(rng.integers(1, 3))
        shape = np.zeros((size, size), np.uint8)
        cy, cx = (int(v) for v in rng.integers(8, size - 8, 2))
        if rng.random() < 0.5:
            half_h, half_w = (int(v) for v in rng.integers(4, 12, 2))
            cv2.rectangle(shape, (cx - half_w, cy - half_h), (cx + half_w, cy + half_h), 1, -1)
        else:
            cv2.circle(shape, (cx, cy), int(rng.integers(4, 11)), 1, -1)
        inside = shape.astype(bool)
        image[inside] = np.asarray(COLOURS[cls]) + rng.normal(0, 18, (inside.sum(), 3))
        ring = cv2.dilate(shape, np.ones((3, 3), np.uint8)).astype(bool) & ~cv2.erode(
            shape, np.ones((3, 3), np.uint8)
        ).astype(bool)
        mask[inside] = cls
        mask[ring] = void_class
    return np.clip(image, 0, 255).astype(np.uint8), mask


@pytest.mark.parametrize(
    "encoder", ["scratch", pytest.param("efficientnet-lite0", marks=pytest.mark.dataset)]
)
def test_segmenter_learns_shapes_by_colour(encoder, request):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    train = [shapes_pair(rng) for _ in range(32)]
    val = [shapes_pair(rng) for _ in range(8)]
    recipe = Recipe(
        crop=(48, 48),
        scales=(0.8, 1.25),
        width=8,
        batch_size=8,
        steps_per_epoch=12,
        epochs=3,
        learning_rate=3e-3,
        class_weight_power=0.0,
        val_images=None,
        encoder=encoder,
    )
    with fast_random_init():
        model = build_segmenter(SHAPES.num_classes, width=recipe.width, encoder=encoder)
    if encoder == "efficientnet-lite0":  # ImageNet's features, frozen: the decoder learns on them
        load_efficientnet_lite0_weights(model, request.getfixturevalue("lite0_weights"))
        assert freeze_encoder(model) > 0
    model.compile(keras.optimizers.Adam(recipe.learning_rate), loss=MaskedCrossEntropy())
    segmenter = Segmenter(model, SHAPES)
    val_images, val_masks = [p[0] for p in val], [p[1] for p in val]
    before = score(segmenter, val_images, val_masks)
    batches = training.SegmentBatches([p[0] for p in train], [p[1] for p in train], recipe, seed=0)
    history = model.fit(batches, epochs=recipe.epochs, verbose=0, shuffle=False)
    after = score(segmenter, val_images, val_masks)
    losses = history.history["loss"]
    print(f"mIoU {before['miou']:.1f} -> {after['miou']:.1f}, loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    all_background = ConfusionMatrix(SHAPES.num_classes)
    for mask in val_masks:
        all_background.update(mask, np.zeros_like(mask))
    assert losses[-1] < 0.6 * losses[0]
    # Calling every pixel background scores about 28% (background IoU 85%, the shapes' 0): 60% needs
    # the shapes found.
    assert all_background.miou() < 0.35
    assert after["miou"] > 60
    assert after["miou"] > before["miou"] + 30
    assert all(iou is not None and iou > 40 for iou in after["per_class_iou"].values())


def write_camvid_folder(root, rng: np.random.Generator, counts=(("train", 8), ("val", 2))):
    """A CamVid-style folder: {split}/images/*.png and {split}/labels/*.png, 0-10 classes, 11 void."""
    for split, count in counts:
        (root / split / "images").mkdir(parents=True)
        (root / split / "labels").mkdir(parents=True)
        for i in range(count):
            image, mask = shapes_pair(rng, size=64, void_class=11)
            mask[mask == 2] = 8  # the green things are cars, the red ones stay buildings (1)
            mask[8:][mask[8:] == 0] = 3  # background below the top rows is road (3), above it sky (0)
            image = cv2.resize(image, (80, 64), interpolation=cv2.INTER_LINEAR)
            mask = cv2.resize(mask, (80, 64), interpolation=cv2.INTER_NEAREST_EXACT)
            cv2.imwrite(
                str(root / split / "images" / f"f{i:03d}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
            )
            cv2.imwrite(str(root / split / "labels" / f"f{i:03d}.png"), mask)


def test_tiny_preset_trains_end_to_end_on_a_camvid_style_folder(tmp_path):
    keras.utils.set_random_seed(0)
    data = tmp_path / "camvid-like"
    write_camvid_folder(data, np.random.default_rng(1))
    with fast_random_init():
        session = training.prepare(
            data=str(data), preset="tiny", epochs=1, run_dir=str(tmp_path / "run"), resume=None, seed=0
        )
    assert session.labels == CAMVID
    config = json.loads((session.run_dir.path / "config.json").read_text())
    weights = config["class_weights"]
    assert len(weights) == CAMVID.num_classes
    present = {0, 1, 3, 8}
    assert all((w > 0) == (c in present) for c, w in enumerate(weights))  # absent classes weigh 0

    rows = training.train(session)
    assert len(rows) == 1
    logged = [json.loads(line) for line in session.run_dir.metrics_path.read_text().splitlines()]
    assert logged == rows
    assert 0.0 <= rows[0]["val_miou"] <= 100.0 and math.isfinite(rows[0]["loss"])
    assert 0.0 <= rows[0]["val_pixel_accuracy"] <= 100.0

    with fast_random_init():
        reloaded = keras.saving.load_model(
            session.run_dir.checkpoint_path, safe_mode=True, custom_objects=custom_objects()
        )
    assert isinstance(reloaded.loss, MaskedCrossEntropy)
    assert reloaded.loss.class_weights == weights
    image = session.val_images[0]
    np.testing.assert_allclose(
        Segmenter(reloaded, CAMVID).logits(image), Segmenter(session.model, CAMVID).logits(image), atol=1e-5
    )
