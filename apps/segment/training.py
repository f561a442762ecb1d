"""`dldemo train segment` and `dldemo record segment`: data, validation and the training run."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from dldemo.apps.segment.augment import augment
from dldemo.apps.segment.datasets import SegmentationSet, open_split
from dldemo.apps.segment.evaluate import score
from dldemo.apps.segment.labels import LabelSpace
from dldemo.apps.segment.losses import MaskedCrossEntropy, class_frequencies, median_frequency_weights
from dldemo.apps.segment.model import build_segmenter, custom_objects
from dldemo.apps.segment.predict import Segmenter, overlay
from dldemo.apps.segment.recipes import PRESETS, Recipe
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import resolve_weights
from dldemo.shared.models.unet import load_imagenet_encoder
from dldemo.shared.train import RunDir, SeededBatches, ValidationScores, fit, start_run

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
            augment(self.images[i], self.masks[i], rng, self.recipe.crop, self.recipe.scales)
            for i in indices % len(self.images)
        ]
        return (
            np.stack([p[0] for p in pairs]).astype(np.float32),
            np.stack([p[1] for p in pairs]).astype(np.int32),
        )


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
    On resume, `epochs` extends the run (a decayed learning rate stays at its final value).
    """
    start = start_run(
        APP,
        presets=PRESETS,
        preset=preset,
        overrides={
            "epochs": epochs,
            "class_weight_power": class_weight_power,
            "encoder": encoder,
            "learning_rate": learning_rate,
        },
        settings={"data": data, "init_weights": str(init_weights) if init_weights else None},
        seed=seed,
        mixed_precision=mixed_precision,
        run_dir=run_dir,
        resume=resume,
        extend={"epochs": epochs},
    )
    config = start.config
    recipe = start.recipe(Recipe)
    start.prepare_devices(recipe.batch_size)
    train_split, val_split = open_split(config["data"], "train"), open_split(config["data"], "val")
    if train_split.labels != val_split.labels:
        raise UserError(f"{train_split.name} and {val_split.name} use different classes")
    labels = train_split.labels
    images, masks = load_pairs(train_split, recipe.max_images)
    val_images, val_masks = load_pairs(val_split, recipe.val_images)
    if start.resumed:
        model = start.load_checkpoint(custom_objects())
    else:
        weights = median_frequency_weights(
            class_frequencies(masks, labels.num_classes), recipe.class_weight_power
        )
        config["labels"] = labels.to_json()
        config["class_weights"] = weights.round(4).tolist()
        model = initial_model(config["init_weights"], labels, recipe, train_split.name)
        schedule = keras.optimizers.schedules.CosineDecay(
            recipe.learning_rate, recipe.steps_per_epoch * recipe.epochs, alpha=0.01
        )
        model.compile(
            keras.optimizers.AdamW(schedule, weight_decay=1e-4),
            loss=MaskedCrossEntropy(config["class_weights"]),
        )
    run = start.create()  # only now: a start that failed above leaves no run folder
    print(f"segment: {labels.num_classes} classes, encoder {recipe.encoder}, run {run.path}")
    batches = SegmentBatches(images, masks, recipe, start.seed)
    return Session(run, model, labels, batches, val_images, val_masks, recipe.epochs, start.resumed)


def initial_model(init_weights: str | None, labels: LabelSpace, recipe: Recipe, dataset: str) -> keras.Model:
    """The trained segmenter to fine-tune, or a new one (its SqueezeNet encoder with ImageNet weights)."""
    if init_weights:
        model = Segmenter.from_preset(init_weights).model
        if model.output_shape[-1] != labels.num_classes:
            raise UserError(
                f"{init_weights} predicts {model.output_shape[-1]} classes but {dataset} has "
                f"{labels.num_classes}: fine-tune weights trained on this dataset"
            )
        print(f"segment: fine-tuning {resolve_weights(init_weights, app='segment')} "
              f"({model.count_params() / 1e6:.2f} M parameters, {labels.num_classes} classes)")  # fmt: skip
        return model
    model = build_segmenter(labels.num_classes, width=recipe.width, encoder=recipe.encoder)
    load_imagenet_encoder(model, recipe.encoder)
    return model


def train(session: Session, callbacks=()) -> list[dict]:
    """Fit to the configured epochs; best.keras follows the validation mIoU."""

    def validation_scores(model: keras.Model) -> dict[str, float]:
        scores = score(Segmenter(model, session.labels), session.val_images, session.val_masks)
        return {"miou": scores["miou"], "pixel_accuracy": scores["pixel_accuracy"]}

    return fit(
        session.model,
        session.batches,
        epochs=session.epochs,
        run_dir=session.run_dir,
        callbacks=[ValidationScores(validation_scores), *callbacks],
        monitor="val_miou",
        mode="max",
        resume=session.resumed,
        verbose=2,
    )


def render_panel(
    images: list[np.ndarray], masks: list[np.ndarray], labels: LabelSpace, count: int = 3, side: int = 240
):
    """A function model -> RGB grid of [image | prediction | ground truth] rows with the class legend
    beside it, for train-and-record, of `count` pairs evenly spaced through the given ones (consecutive
    video frames look alike)."""
    import cv2

    from dldemo.apps.segment.live import legend
    from dldemo.shared.live import grid

    every = max(1, len(images) // count)
    images, masks = images[::every][:count], masks[::every][:count]
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
        panel = grid(tiles, columns=3, labels=["image", "prediction", "ground truth"] * len(images))
        return np.hstack([panel, legend(labels, panel.shape[0])])

    return render
