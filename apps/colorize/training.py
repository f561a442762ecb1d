"""`dldemo train colorize` and `dldemo record colorize`: data, validation and the training run."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from dldemo.apps.colorize.data import WORKING_SIDE, ab_prior, keep_colour_images, make_batch
from dldemo.apps.colorize.evaluate import evaluate, greyed, scorable
from dldemo.apps.colorize.losses import rebalanced_cross_entropy
from dldemo.apps.colorize.model import build_colorizer
from dldemo.apps.colorize.predict import Colorizer
from dldemo.apps.colorize.quantize import ABQuantizer
from dldemo.apps.colorize.recipes import PRESETS, Recipe, folder_photos, recipe_photos
from dldemo.shared.data import fit_long_side, load_images
from dldemo.shared.errors import UserError
from dldemo.shared.models.efficientnet_lite import freeze_encoder
from dldemo.shared.models.loading import resolve_weights
from dldemo.shared.models.unet import load_imagenet_encoder
from dldemo.shared.train import RunDir, SeededBatches, ValidationScores, fit, start_run

APP = "colorize"


class ColorizeBatches(SeededBatches):
    """Random crops of the training photos; an epoch is steps_per_epoch batches."""

    def __init__(self, images, recipe: Recipe, quantizer: ABQuantizer | None, seed: int):
        super().__init__(batch_size=recipe.batch_size, seed=seed, drop_last=True)
        self.images, self.recipe, self.quantizer = images, recipe, quantizer

    def num_items(self) -> int:
        return self.recipe.steps_per_epoch * self.recipe.batch_size

    def make_batch(self, indices: np.ndarray, rng: np.random.Generator):
        return make_batch(
            self.images, indices % len(self.images), rng, crop=self.recipe.crop, quantizer=self.quantizer
        )


@dataclass
class Session:
    """A ready-to-fit training run."""

    run_dir: RunDir
    model: keras.Model
    batches: ColorizeBatches
    val_images: list[np.ndarray]
    epochs: int
    resumed: bool


def prepare(
    *,
    data: str | None,
    preset: str,
    epochs: int | None,
    run_dir: str | None,
    resume: str | None,
    seed: int,
    loss: str,
    rebalance: float | None = None,
    encoder: str | None = None,
    frozen_encoder: bool | None = None,
    learning_rate: float | None = None,
    init_weights: str | None = None,
    mixed_precision: bool = False,
) -> Session:
    """Build (or reopen) a run: photos, quantizer prior, model and data, all from the config.

    `init_weights` (a .keras file or run) goes on training a colorizer with a fresh optimizer and schedule.
    """
    start = start_run(
        APP,
        presets=PRESETS,
        preset=preset,
        overrides={
            "epochs": epochs,
            "rebalance": rebalance,
            "encoder": encoder,
            "frozen_encoder": frozen_encoder,
            "learning_rate": learning_rate,
        },
        settings={"loss": loss, "data": data, "init_weights": str(init_weights) if init_weights else None},
        seed=seed,
        mixed_precision=mixed_precision,
        run_dir=run_dir,
        resume=resume,
        extend={"epochs": epochs},  # a decayed learning rate stays at its final value
    )
    config, recipe = start.config, start.recipe(Recipe)
    start.prepare_devices(recipe.batch_size)
    train_paths, val_paths = folder_photos(config["data"]) if config["data"] else recipe_photos(None)
    if recipe.max_images:
        train_paths = train_paths[: recipe.max_images]
    photos = [
        fit_long_side(im, WORKING_SIDE, enlarge=True)
        for im in load_images(train_paths, label="colorize: reading photos")
    ]
    train_images = keep_colour_images(photos)
    if not train_images:
        raise UserError("no colour photos left to train on (all were black-and-white or sepia)")
    val_images, _ = scorable(load_images(val_paths[: recipe.val_images]))  # colour photos, or a UserError
    quantizer = None
    if config["loss"] == "classification":
        quantizer = ABQuantizer.create(ab_prior(train_images, ABQuantizer.create()), recipe.rebalance)
    batches = ColorizeBatches(train_images, recipe, quantizer, config["seed"])
    if start.resumed:
        model = start.load_checkpoint({"rebalanced_cross_entropy": rebalanced_cross_entropy})
    else:
        model = initial_model(config["init_weights"], quantizer.num_bins if quantizer else 2, recipe)
        schedule = keras.optimizers.schedules.CosineDecay(
            recipe.learning_rate, recipe.steps_per_epoch * recipe.epochs, alpha=0.02
        )
        model.compile(
            keras.optimizers.Adam(schedule),
            loss=rebalanced_cross_entropy if quantizer else "mean_squared_error",
        )
    run = start.create()
    print(
        f"colorize: {len(train_images)} training photos, {len(val_images)} validation photos, "
        f"{config['loss']} loss, run {run.path}"
    )
    return Session(run, model, batches, val_images, epochs=recipe.epochs, resumed=start.resumed)


def initial_model(init_weights: str | None, outputs: int, recipe: Recipe) -> keras.Model:
    """The trained colorizer to go on training, or a new one (its encoder with ImageNet weights); the
    encoder frozen if the recipe says so."""
    if init_weights:
        model = Colorizer.from_preset(init_weights).model
        if model.output_shape[-1] != outputs:
            raise UserError(
                f"{init_weights} has {model.output_shape[-1]} outputs but this loss needs {outputs}: "
                "start from a colorizer trained with the same --loss"
            )
        print(f"colorize: going on from {resolve_weights(init_weights, app=APP)} "
              f"({model.count_params() / 1e6:.2f} M parameters)")  # fmt: skip
        for layer in model.layers:  # a frozen run's encoder loads frozen: the recipe decides instead
            layer.trainable = True
    else:
        model = build_colorizer(outputs, width=recipe.width, encoder=recipe.encoder)
        load_imagenet_encoder(model, recipe.encoder)
    if recipe.frozen_encoder and not freeze_encoder(model):  # nothing frozen: no Lite0 encoder in it
        found = f"{init_weights} has none" if init_weights else f"not {recipe.encoder}"
        raise UserError(f"--frozen-encoder needs --encoder efficientnet-lite0, {found}")
    return model


def train(session: Session, callbacks=()) -> list[dict]:
    """Fit to the configured epochs; best.keras follows the validation PSNR."""
    return fit(
        session.model,
        session.batches,
        epochs=session.epochs,
        run_dir=session.run_dir,
        callbacks=[ValidationScores(lambda model: validation_scores(model, session.val_images)), *callbacks],
        monitor="val_psnr",
        mode="max",
        resume=session.resumed,
        verbose=2,
    )


def validation_scores(model: keras.Model, images: list[np.ndarray]) -> dict[str, float]:
    """What every epoch logs about the validation photos (as val_psnr, val_psnr_gray, ...)."""
    metrics = evaluate(Colorizer(model), images)
    keys = ("psnr", "psnr_gray", "ssim", "colorfulness_ratio")
    return {key: metrics[key] for key in keys if metrics[key] is not None}  # no SSIM if all are under 7 px


def render_panel(images: list[np.ndarray], side: int = 160):
    """A function model -> RGB grid of [grey | colorized | original] rows, for train-and-record."""
    from dldemo.shared.live import grid

    photos = [fit_long_side(image, side, enlarge=True) for image in images]

    def render(model: keras.Model) -> np.ndarray:
        colorizer = Colorizer(model)
        tiles = []
        for photo in photos:
            tiles += [greyed(photo), colorizer.colorize(photo), photo]
        return grid(tiles, columns=3, labels=["grey input", "colorized", "original"] * len(photos))

    return render
