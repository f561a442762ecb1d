"""Segmentation scores against a NumPy reference, Keras's MeanIoU and a hand-computed case."""

import json

import keras
import numpy as np
import pytest

from dldemo.apps.segment.labels import IGNORE
from dldemo.apps.segment.metrics import ConfusionMatrix


def random_pair(rng: np.random.Generator, shape=(2, 12, 16), num_classes: int = 5, void: float = 0.2):
    """Random truth (with IGNORE pixels) and prediction maps that never use the last class."""
    truth = rng.integers(0, num_classes - 1, shape).astype(np.uint8)
    truth[rng.random(shape) < void] = IGNORE
    prediction = rng.integers(0, num_classes - 1, shape).astype(np.uint8)
    agree = rng.random(shape) < 0.5  # better than chance, so the IoUs differ from class to class
    prediction[agree & (truth != IGNORE)] = truth[agree & (truth != IGNORE)]
    return truth, prediction


def reference_scores(pairs, num_classes: int) -> dict:
    """The scores by pixel loops over the pairs, without a confusion matrix."""
    tp = np.zeros(num_classes)
    in_truth = np.zeros(num_classes)
    in_prediction = np.zeros(num_classes)
    for truth, prediction in pairs:
        for t, p in zip(truth.ravel(), prediction.ravel(), strict=True):
            if t == IGNORE:
                continue
            in_truth[t] += 1
            in_prediction[p] += 1
            tp[t] += t == p
    union = in_truth + in_prediction - tp
    iou = np.array([tp[c] / union[c] if union[c] else np.nan for c in range(num_classes)])
    recall = [tp[c] / in_truth[c] for c in range(num_classes) if in_truth[c]]
    return {
        "iou": iou,
        "miou": np.mean(iou[~np.isnan(iou)]),
        "pixel_accuracy": tp.sum() / in_truth.sum(),
        "class_accuracy": np.mean(recall),
    }


def test_matches_a_pixel_loop_reference_over_several_updates():
    rng = np.random.default_rng(0)
    pairs = [random_pair(rng) for _ in range(3)]
    matrix = ConfusionMatrix(5)
    for truth, prediction in pairs:
        matrix.update(truth, prediction)
    expected = reference_scores(pairs, 5)
    assert matrix.counts.sum() == sum(int((t != IGNORE).sum()) for t, _ in pairs)
    np.testing.assert_allclose(matrix.per_class_iou(), expected["iou"], equal_nan=True)
    assert np.isnan(matrix.per_class_iou()[4])  # the last class is in neither truth nor prediction
    assert matrix.miou() == pytest.approx(expected["miou"])
    assert matrix.pixel_accuracy() == pytest.approx(expected["pixel_accuracy"])
    assert matrix.class_accuracy() == pytest.approx(expected["class_accuracy"])


# Keras keeps its IoU counts as int64, which JAX (without x64) stores as int32 and warns about
@pytest.mark.filterwarnings("ignore:Explicitly requested dtype int64")
def test_miou_matches_keras_mean_iou_with_ignore_class():
    rng = np.random.default_rng(1)
    matrix = ConfusionMatrix(5)
    keras_miou = keras.metrics.MeanIoU(num_classes=5, ignore_class=IGNORE)
    keras_ious = [keras.metrics.IoU(5, target_class_ids=[c], ignore_class=IGNORE) for c in range(5)]
    for _ in range(3):
        truth, prediction = random_pair(rng)
        matrix.update(truth, prediction)
        y_true, y_pred = truth.astype(np.int32), prediction.astype(np.int32)
        keras_miou.update_state(y_true, y_pred)
        for metric in keras_ious:
            metric.update_state(y_true, y_pred)
    assert matrix.miou() == pytest.approx(float(keras_miou.result()), rel=1e-5)
    ours = matrix.per_class_iou()
    for c, metric in enumerate(keras_ious[:4]):
        assert ours[c] == pytest.approx(float(metric.result()), rel=1e-5)
    # Keras counts a class with no pixels as 0 in its own IoU but leaves it out of MeanIoU, as we do.
    assert np.isnan(ours[4])
    np.testing.assert_array_equal(
        matrix.counts, np.asarray(keras_miou.total_cm).astype(np.int64)
    )  # Keras's matrix is (true, predicted) too


def test_predictions_on_void_pixels_change_nothing():
    rng = np.random.default_rng(2)
    truth, prediction = random_pair(rng)
    other = prediction.copy()
    void = truth == IGNORE
    assert void.any()
    other[void] = (other[void] + 1) % 4
    first, second = ConfusionMatrix(5), ConfusionMatrix(5)
    first.update(truth, prediction)
    second.update(truth, other)
    np.testing.assert_array_equal(first.counts, second.counts)
    assert first.counts.sum() == (~void).sum()


def test_all_void_truth_adds_nothing():
    matrix = ConfusionMatrix(3)
    matrix.update(np.full((4, 4), IGNORE, np.uint8), np.ones((4, 4), np.uint8))
    assert matrix.counts.sum() == 0
    assert matrix.pixel_accuracy() == 0.0


def test_hand_computed_case():
    truth = np.array([[0, 0, 1], [1, 2, IGNORE]], np.uint8)
    prediction = np.array([[0, 1, 1], [1, 0, 2]], np.uint8)
    matrix = ConfusionMatrix(3)
    matrix.update(truth, prediction)
    # 5 labelled pixels, 3 right; recalls 1/2, 2/2, 0/1; IoUs 1/3, 2/3, 0 (the 2 on void does not count).
    assert matrix.pixel_accuracy() == pytest.approx(3 / 5)
    assert matrix.class_accuracy() == pytest.approx((1 / 2 + 1 + 0) / 3)
    np.testing.assert_allclose(matrix.per_class_iou(), [1 / 3, 2 / 3, 0.0])
    assert matrix.miou() == pytest.approx(1 / 3)


def test_absent_class_is_nan_and_left_out_of_the_means():
    truth = np.array([[0, 0, 1, 1]], np.uint8)
    prediction = np.array([[0, 1, 1, 1]], np.uint8)
    matrix = ConfusionMatrix(3)
    matrix.update(truth, prediction)
    iou = matrix.per_class_iou()
    np.testing.assert_allclose(iou[:2], [1 / 2, 2 / 3])
    assert np.isnan(iou[2])
    assert matrix.miou() == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert matrix.class_accuracy() == pytest.approx((1 / 2 + 1) / 2)


def test_class_only_predicted_counts_as_zero_iou():
    matrix = ConfusionMatrix(3)
    matrix.update(np.array([[0, 0]], np.uint8), np.array([[0, 2]], np.uint8))
    np.testing.assert_allclose(matrix.per_class_iou(), [1 / 2, np.nan, 0.0], equal_nan=True)
    assert matrix.miou() == pytest.approx(1 / 4)
    assert matrix.class_accuracy() == pytest.approx(1 / 2)  # recall only over classes in the truth


def test_scores_are_named_and_json_ready():
    matrix = ConfusionMatrix(3)
    matrix.update(np.array([[0, 1, IGNORE]], np.uint8), np.array([[0, 0, 2]], np.uint8))
    scores = matrix.scores(["sky", "road", "car"])
    assert list(scores["per_class_iou"]) == ["sky", "road", "car"]
    assert scores["per_class_iou"]["sky"] == pytest.approx(50.0)
    assert scores["per_class_iou"]["road"] == 0.0
    assert scores["per_class_iou"]["car"] is None
    assert scores["miou"] == pytest.approx(100 / 4)
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores
    assert all(type(v) is float for k, v in scores.items() if k != "per_class_iou")
    with pytest.raises(ValueError):
        matrix.scores(["sky", "road"])  # one name per class


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in shape"):
        ConfusionMatrix(2).update(np.zeros((2, 3), np.uint8), np.zeros((3, 2), np.uint8))


def test_class_ids_outside_the_label_space_are_refused():
    matrix = ConfusionMatrix(3)
    with pytest.raises(ValueError, match="prediction holds class 3"):
        matrix.update(np.zeros((2, 2), np.uint8), np.full((2, 2), 3, np.uint8))
    with pytest.raises(ValueError, match="truth holds class 7"):
        matrix.update(np.full((2, 2), 7, np.uint8), np.zeros((2, 2), np.uint8))
    assert matrix.counts.sum() == 0
