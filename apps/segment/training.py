"""`dldemo train segment` and `dldemo record segment`: data, validation and the training run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import keras
import numpy as np

from dldemo.apps.segment.augment import augment
from dldemo.apps.segment.datasets import SegmentationSet, open_split
from dldemo.apps.segment.evaluate import score
from dldemo.apps.segment.labels import LabelSpace
from dldemo.apps.segment.losses import MaskedCrossEntropy, class_frequencies, median_frequency_weights
from dldemo.apps.segment.model import build_segmenter, custom_objects
from dldemo.apps.segment.predict import Segmenter
from dldemo.apps.segment.recipes import PRESETS, Recipe
from dldemo.apps.segment.weights import load_segmenter
from dldemo.shared.data import dataset_path
from dldemo.shared.errors import UserError
from dldemo.shared.models.squeezenet import WEIGHTS_FILE, load_squeezenet_weights
from dldemo.shared.train import (
    RunDir,
    SeededBatches,
    create_run_dir,
    fit,
    load_checkpoint,
    open_run_dir,
    prepare_devices,
)

APP = "segment"


class SegmentBatches(SeededBatches):
    """Augmented crops of the training pairs; an epoch is steps_per_epoch batches."""

    def __init__(self, images: list[np.ndarray], masks: list[np.ndarray], recipe: Recipe, seed: int):
        super().__init__(batch_size=recipe.batch_size, seed=seed, drop_last=True)
        self.images, self.masks, self.recipe = images, masks, recipe

    def num_items(self) -> int:
        return self.recipe.steps_per_epoch * self.recipe.batch_size

    def make_batch(self, indices: np.ndarray, rng: np.random.Generator):
        pairs = [
            augment(self.images[i], self.masks[i], rng, tuple(self.recipe.crop), tuple(self.recipe.scales))
            for i in indices % len(self.images)
        ]
        return (
            np.stack([p[0] for p in pairs]).astype(np.float32),
            np.stack([p[1] for p in pairs]).astype(np.int32),
        )


class SegmentValidation(keras.callbacks.Callback):
    """Scores the validation pairs after every epoch: val_miou and val_pixel_accuracy."""

    def __init__(self, images: list[np.ndarray], masks: list[np.ndarray], labels: LabelSpace):
        super().__init__()
        self.images, self.masks, self.labels = images, masks, labels

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        scores = score(Segmenter(self.model, self.labels), self.images, self.masks)
        if logs is not None:
            logs["val_miou"] = scores["miou"]
            logs["val_pixel_accuracy"] = scores["pixel_accuracy"]


@dataclass
class Session:
    """A ready-to-fit training run."""

    run_dir: RunDir
    model: keras.Model
    labels: LabelSpace
    batches: SegmentBatches
    val_images: list[np.ndarray]
    val_masks: list[np.ndarray]
    epochs: int
    resumed: bool


def load_pairs(split: SegmentationSet, limit: int | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    images, masks = split.load_all(limit)
    print(f"segment: {split.name}: {len(images)} pairs")
    return images, masks


def prepare(
    *,
    data: str | None,
    preset: str,
    epochs: int | None,
    run_dir: str | None,
    resume: str | None,
    seed: int,
    class_weight_power: float | None = None,
    encoder: str | None = None,
    learning_rate: float | None = None,
    init_weights: str | None = None,
    mixed_precision: bool = False,
) -> Session:
    """Build (or reopen) a run: pairs, class weights, model and data, all from the config.

    `init_weights` (a .keras file or run) fine-tunes a trained segmenter with a fresh optimizer and schedule.
    """
    if resume:
        run = open_run_dir(resume, app=APP)
        config = run.config()
        if epochs is not None:  # extends the run; a decayed learning rate stays at its final value
            config["recipe"]["epochs"] = epochs
    else:
        overrides = {
            "epochs": epochs,
            "class_weight_power": class_weight_power,
            "encoder": encoder,
            "learning_rate": learning_rate,
        }
        recipe = replace(PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None})
        config = {
            "preset": preset,
            "recipe": asdict(recipe),
            "data": data,
            "seed": seed,
            "init_weights": str(init_weights) if init_weights else None,
            "backend": keras.backend.backend(),
        }
    recipe = Recipe(**config["recipe"])
    prepare_devices(recipe.batch_size, mixed_precision)
    train_split, val_split = open_split(config["data"], "train"), open_split(config["data"], "val")
    if train_split.labels != val_split.labels:
        raise UserError(f"{train_split.name} and {val_split.name} use different classes")
    labels = train_split.labels
    images, masks = load_pairs(train_split, recipe.max_images)
    val_images, val_masks = load_pairs(val_split, recipe.val_images)
    batches = SegmentBatches(images, masks, recipe, config["seed"])
    if resume:
        model = load_checkpoint(run.checkpoint_path, custom_objects=custom_objects())
    else:
        frequencies = class_frequencies(masks, labels.num_classes)
        weights = median_frequency_weights(frequencies, recipe.class_weight_power)
        config["labels"] = labels.to_json()
        config["class_weights"] = weights.round(4).tolist()
        if config["init_weights"]:
            model = load_segmenter(config["init_weights"]).model
            if model.output_shape[-1] != labels.num_classes:
                raise UserError(
                    f"{config['init_weights']} predicts {model.output_shape[-1]} classes but "
                    f"{train_split.name} has {labels.num_classes}: fine-tune weights trained on this dataset"
                )
        else:
            model = build_segmenter(labels.num_classes, width=recipe.width, encoder=recipe.encoder)
            if recipe.encoder == "squeezenet":
                load_squeezenet_weights(model, dataset_path("squeezenet") / WEIGHTS_FILE)
        run = create_run_dir(APP, config, run_dir=run_dir)
        schedule = keras.optimizers.schedules.CosineDecay(
            recipe.learning_rate, recipe.steps_per_epoch * recipe.epochs, alpha=0.01
        )
        model.compile(
            keras.optimizers.AdamW(schedule, weight_decay=1e-4),
            loss=MaskedCrossEntropy(config["class_weights"]),
        )
    print(f"segment: {labels.num_classes} classes, encoder {recipe.encoder}, run {run.path}")
    return Session(run, model, labels, batches, val_images, val_masks, recipe.epochs, bool(resume))


def train(session: Session, callbacks=()) -> list[dict]:
    """Fit to the configured epochs; best.keras follows the validation mIoU."""
    return fit(
        session.model,
        session.batches,
        epochs=session.epochs,
        run_dir=session.run_dir,
        callbacks=[SegmentValidation(session.val_images, session.val_masks, session.labels), *callbacks],
        monitor="val_miou",
        mode="max",
        resume=session.resumed,
        verbose=2,
    )


def render_panel(images: list[np.ndarray], masks: list[np.ndarray], labels: LabelSpace, side: int = 240):
    """A function model -> RGB grid of [image | prediction | ground truth] rows, for train-and-record."""
    import cv2

    from dldemo.apps.segment.predict import overlay
    from dldemo.shared.live import grid

    scale = side / max(images[0].shape[:2])
    small = [cv2.resize(im, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for im in images]
    small_masks = [
        cv2.resize(m, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST_EXACT) for m in masks
    ]

    def render(model: keras.Model) -> np.ndarray:
        segmenter = Segmenter(model, labels)
        tiles = []
        for image, mask, full in zip(small, small_masks, images, strict=True):
            predicted = cv2.resize(
                segmenter.segment(full), image.shape[1::-1], interpolation=cv2.INTER_NEAREST_EXACT
            )
            tiles += [
                image,
                overlay(image, predicted, labels.palette, 0.6),
                overlay(image, mask, labels.palette, 0.6),
            ]
        return grid(tiles, columns=3, labels=["image", "prediction", "ground truth"] * len(images))

    return render
