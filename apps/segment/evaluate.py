"""`dldemo eval segment`: mIoU, pixel accuracy and per-class IoU over a split (void ignored)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dldemo.apps.segment.datasets import SegmentationSet
from dldemo.apps.segment.metrics import ConfusionMatrix
from dldemo.apps.segment.predict import Segmenter, test_time_augmented
from dldemo.shared.errors import UserError
from dldemo.shared.progress import progress


def score(segmenter: Segmenter, images: Sequence[np.ndarray], masks: Sequence[np.ndarray]) -> dict:
    """The split's scores from one confusion matrix over all its pixels, at each image's full size."""
    matrix = ConfusionMatrix(segmenter.labels.num_classes)
    for image, mask in zip(images, masks, strict=True):
        matrix.update(mask, segmenter.segment(image))
    return {"images": len(images), **matrix.scores(segmenter.labels.names)}


def evaluate_split(
    segmenter: Segmenter,
    split: SegmentationSet,
    *,
    limit: int | None = None,
    max_side: int | None = None,
    tta_scales: tuple[float, ...] | None = None,
) -> dict:
    """Scores of a dataset split, read one pair at a time; its classes must be the model's.

    With `tta_scales`, each image is segmented from probabilities averaged over those scales, each
    also mirrored (test-time augmentation).
    """
    if split.labels.names != segmenter.labels.names:
        raise UserError(
            f"{split.name} has classes {', '.join(split.labels.names)} but the model predicts "
            f"{', '.join(segmenter.labels.names)}: pass weights trained on this dataset"
        )
    matrix = ConfusionMatrix(segmenter.labels.num_classes)
    count = min(len(split), limit or len(split))
    for index in progress(range(count), label=f"segment: scoring {split.name}", unit="image"):
        image, mask = split.load(index)
        if tta_scales:
            prediction = test_time_augmented(segmenter, image, tta_scales)
        else:
            prediction = segmenter.segment(image, max_side)
        matrix.update(mask, prediction)
    return {
        "split": split.name,
        "images": count,
        "tta_scales": list(tta_scales) if tta_scales else None,
        **matrix.scores(segmenter.labels.names),
    }
