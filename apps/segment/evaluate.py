"""`dldemo eval segment`: mIoU, pixel accuracy and per-class IoU over a split (void ignored)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dldemo.apps.segment.metrics import ConfusionMatrix
from dldemo.apps.segment.predict import Segmenter


def score(segmenter: Segmenter, images: Sequence[np.ndarray], masks: Sequence[np.ndarray]) -> dict:
    """The split's scores from one confusion matrix over all its pixels, at each image's full size."""
    matrix = ConfusionMatrix(segmenter.labels.num_classes)
    for image, mask in zip(images, masks, strict=True):
        matrix.update(mask, segmenter.segment(image))
    return {"images": len(images), **matrix.scores(segmenter.labels.names)}
