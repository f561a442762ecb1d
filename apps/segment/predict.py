"""Segment images with a trained network, and paint the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import keras
import numpy as np

from dldemo.apps.segment.labels import CAMVID, LabelSpace
from dldemo.apps.segment.model import MODEL_NAME, custom_objects
from dldemo.shared.data import fit_long_side
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_preset
from dldemo.shared.models.unet import DOWNSAMPLE

PAD_MULTIPLE = DOWNSAMPLE


@dataclass
class Segmenter:
    """A trained segment network with the label space it predicts."""

    model: keras.Model
    labels: LabelSpace
    _compiled: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_preset(cls, weights: str | Path | None = None) -> Segmenter:
        """The shipped segmenter, or the one in a run directory or .keras file, with its classes."""
        loaded = load_preset(weights, app="segment", model_name=MODEL_NAME, custom_objects=custom_objects())
        return cls(loaded.model, saved_labels(loaded.settings, loaded.path, loaded.model.output_shape[-1]))

    def logits(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) or (H, W, 3) RGB uint8 -> logits of the same size (images are padded, not resized)."""
        batch = images[None] if images.ndim == 3 else images
        height, width = batch.shape[1:3]
        pad = ((0, 0), (0, -height % PAD_MULTIPLE), (0, -width % PAD_MULTIPLE), (0, 0))
        padded = np.pad(batch, pad, mode="reflect").astype(np.float32)
        out = self._predict(padded)[:, :height, :width]
        return out[0] if images.ndim == 3 else out

    def _predict(self, batch: np.ndarray) -> np.ndarray:
        """predict_on_batch with one compiled function per input shape.

        Keras 3.15's bilinear resize fails when TensorFlow retraces a predict function with relaxed
        (unknown) sizes, which it does at the second input shape; a function per shape always sees
        concrete sizes (and on every backend a shape seen before is not compiled again).
        """
        function = self._compiled.get(batch.shape)
        if function is None:
            self.model.make_predict_function(force=True)
            function = self._compiled[batch.shape] = self.model.predict_function
        self.model.predict_function = function
        return np.asarray(self.model.predict_on_batch(batch))

    def segment(self, images: np.ndarray, max_side: int | None = None) -> np.ndarray:
        """Class ids (uint8) of one image or a batch; with `max_side`, the network sees a smaller copy."""
        if max_side is None or max(images.shape[-3:-1]) <= max_side:
            return np.argmax(self.logits(images), axis=-1).astype(np.uint8)
        height, width = images.shape[-3:-1]
        frames = images[None] if images.ndim == 3 else images
        logits = self.logits(np.stack([fit_long_side(frame, max_side) for frame in frames]))
        full = np.stack(
            [cv2.resize(scores, (width, height), interpolation=cv2.INTER_LINEAR) for scores in logits]
        )
        labels = np.argmax(full.reshape(*full.shape[:3], -1), axis=-1).astype(np.uint8)
        return labels[0] if images.ndim == 3 else labels


def saved_labels(settings: dict, model_path: Path, num_classes: int) -> LabelSpace:
    """The classes saved with a model (its settings' "labels"), else CamVid's (11 classes) or numbers."""
    if "labels" in settings:
        labels = LabelSpace.from_json(settings["labels"])
        if labels.num_classes != num_classes:
            raise UserError(
                f"the settings saved with {model_path} name {labels.num_classes} classes but the model "
                f"predicts {num_classes}: the file beside the model belongs to another model"
            )
        return labels
    if num_classes == CAMVID.num_classes:
        return CAMVID
    return LabelSpace.with_default_colours([f"class {i}" for i in range(num_classes)])


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def test_time_augmented(segmenter: Segmenter, image: np.ndarray, scales: tuple[float, ...]) -> np.ndarray:
    """Class ids of one image from class probabilities averaged over rescaled and mirrored copies."""
    height, width = image.shape[:2]
    total = np.zeros((height, width, segmenter.labels.num_classes), np.float32)
    for scale in scales:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        for mirrored in (False, True):
            view = np.ascontiguousarray(resized[:, ::-1]) if mirrored else resized
            probabilities = softmax(segmenter.logits(view))
            if mirrored:
                probabilities = probabilities[:, ::-1]
            total += cv2.resize(probabilities, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.argmax(total, axis=-1).astype(np.uint8)


def paint(labels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Class ids -> RGB with each class in its palette colour (ids outside the palette are black)."""
    table = np.zeros((256, 3), np.uint8)
    table[: len(palette)] = palette
    return table[labels]


def overlay(image: np.ndarray, labels: np.ndarray, palette: np.ndarray, opacity: float) -> np.ndarray:
    """The image with the class colours blended over it at `opacity` (0 = image only, 1 = colours only)."""
    blended = image.astype(np.float32) * (1 - opacity) + paint(labels, palette).astype(np.float32) * opacity
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)
