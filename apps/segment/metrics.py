"""The standard segmentation scores from a confusion matrix: per-class IoU, mIoU and pixel accuracy.

As in the CamVid/SegNet, Cityscapes and VOC protocols, one confusion matrix is accumulated over the
whole split (not averaged per image) and void pixels are left out.
"""

from __future__ import annotations

import numpy as np

from dldemo.apps.segment.labels import IGNORE


class ConfusionMatrix:
    """Counts (true class, predicted class) pixel pairs over any number of images."""

    def __init__(self, num_classes: int):
        self.num_classes = num_classes
        self.counts = np.zeros((num_classes, num_classes), np.int64)

    def update(self, truth: np.ndarray, prediction: np.ndarray) -> None:
        if truth.shape != prediction.shape:
            raise ValueError(f"truth {truth.shape} and prediction {prediction.shape} differ in shape")
        valid = truth != IGNORE
        for name, values in (("truth", truth[valid]), ("prediction", prediction[valid])):
            if values.size and int(values.max()) >= self.num_classes:
                raise ValueError(f"{name} holds class {int(values.max())}, but there are {self.num_classes}")
        pairs = truth[valid].astype(np.int64) * self.num_classes + prediction[valid]
        self.counts += np.bincount(pairs, minlength=self.num_classes**2).reshape(self.counts.shape)

    def per_class_iou(self) -> np.ndarray:
        """TP / (TP + FP + FN) per class; NaN for a class absent from both truth and prediction."""
        true_positive = np.diag(self.counts).astype(np.float64)
        union = self.counts.sum(0) + self.counts.sum(1) - true_positive
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(union > 0, true_positive / union, np.nan)

    def miou(self) -> float:
        return float(np.nanmean(self.per_class_iou()))

    def pixel_accuracy(self) -> float:
        return float(np.diag(self.counts).sum() / max(self.counts.sum(), 1))

    def class_accuracy(self) -> float:
        """Mean per-class recall (SegNet's "class average accuracy")."""
        support = self.counts.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.nanmean(np.where(support > 0, np.diag(self.counts) / support, np.nan)))

    def scores(self, names: tuple[str, ...] | list[str]) -> dict:
        """miou, pixel_accuracy, class_accuracy and per_class_iou by name, in percent as papers report them
        (JSON-ready; NaN -> None)."""
        per_class = self.per_class_iou()
        return {
            "miou": 100 * self.miou(),
            "pixel_accuracy": 100 * self.pixel_accuracy(),
            "class_accuracy": 100 * self.class_accuracy(),
            "per_class_iou": {
                name: None if np.isnan(iou) else 100 * float(iou)
                for name, iou in zip(names, per_class, strict=True)
            },
        }
