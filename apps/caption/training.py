"""`dldemo train caption` and `dldemo record caption`: Flickr8k, cached grids, teacher forcing, dev scores.

The CNN is frozen: its grids of every train and dev photo are computed once (see ``features``), and an epoch
runs the attention LSTM over the 5 captions of every training photo. After every epoch the dev photos are
captioned greedily and scored (BLEU-4, CIDEr-D); best.keras follows the dev CIDEr-D.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from dldemo.apps.caption.captioner import Captioner
from dldemo.apps.caption.captions import BOS, Split, Vocabulary, load_split
from dldemo.apps.caption.features import cached_features
from dldemo.apps.caption.metrics import caption_scores
from dldemo.apps.caption.model import CoverageLoss, MaskedCaptionLoss, build_captioner, custom_objects
from dldemo.apps.caption.recipes import GRIDS, PRESETS, Recipe, Shape
from dldemo.shared.data import dataset_path
from dldemo.shared.errors import UserError
from dldemo.shared.models.efficientnet_lite import DATASET as LITE0
from dldemo.shared.models.efficientnet_lite import load_efficientnet_lite0_weights
from dldemo.shared.models.squeezenet import WEIGHTS_FILE as SQUEEZENET_FILE
from dldemo.shared.models.squeezenet import load_squeezenet_weights
from dldemo.shared.train import LengthBatches, RunDir, ValidationScores, fit, start_run
from dldemo.shared.train.averaging import promote_average

APP = "caption"


class CaptionBatches(LengthBatches):
    """Teacher forcing: ((grids (B, L, C), bos + caption), {logits: caption + eos, coverage: unused})."""

    def __init__(
        self,
        features: np.ndarray,
        image_of: np.ndarray,
        captions: list[list[int]],
        batch_size: int,
        seed: int,
    ):
        super().__init__([len(ids) for ids in captions], batch_size=batch_size, seed=seed)
        self.features, self.image_of, self.captions = features, image_of, captions

    def make_batch(self, indices: np.ndarray, rng: np.random.Generator):
        ids = np.zeros((2, len(indices), self.width), np.int32)
        for row, i in enumerate(indices):
            caption = self.captions[i]
            ids[0, row, : len(caption)] = [BOS, *caption[:-1]]
            ids[1, row, : len(caption)] = caption
        grids = self.features[self.image_of[indices]].astype("float32")
        return (grids, ids[0]), {"logits": ids[1], "coverage": np.zeros((len(indices), 1), "float32")}


def caption_batches(
    features: np.ndarray, split: Split, vocabulary: Vocabulary, recipe: Recipe, seed: int
) -> CaptionBatches:
    """Every (photo, reference caption) pair of ``split``, encoded and cut to ``recipe.max_words``."""
    image_of, captions = [], []
    for image, references in enumerate(split.captions):
        for reference in references:
            image_of.append(image)
            captions.append(vocabulary.encode(reference, recipe.max_words))
    return CaptionBatches(features, np.asarray(image_of), captions, recipe.batch_size, seed)


def dev_scores(model: keras.Model, features: np.ndarray, references: list[list[list[str]]]) -> dict:
    """BLEU-4 and CIDEr-D (percent) of the model's greedy captions of the dev grids."""
    captions = Captioner(model).caption_features(features, beam=1, progress="caption: validation")
    scores = caption_scores([c.words for c in captions], references)
    return {"bleu4": scores["bleu4"], "cider": scores["cider"]}


def new_captioner(recipe: Recipe, vocabulary: Vocabulary, data: str | None, seed: int) -> keras.Model:
    """An untrained decoder on the ImageNet-trained CNN."""
    model = build_captioner(recipe.shape, vocabulary.words, seed=seed)
    cnn = model.get_layer("image_encoder").cnn
    if recipe.shape.encoder == "squeezenet":
        load_squeezenet_weights(cnn, dataset_path("squeezenet", data) / SQUEEZENET_FILE)
    else:
        load_efficientnet_lite0_weights(cnn, dataset_path(LITE0, data))
    return model


def encoder_and_grid(preset: str, encoder: str | None, grid: int | None) -> dict:
    """The preset's encoder and grid with --encoder and --grid applied (an encoder's own grid by default)."""
    shape = PRESETS[preset].shape
    encoder = encoder or shape.encoder
    grids = GRIDS[encoder]
    grid = grid or (shape.grid if shape.grid in grids else grids[0])
    if grid not in grids:
        raise UserError(f"{encoder} has no {grid}x{grid} grid: use --grid {' or '.join(map(str, grids))}")
    return {"encoder": encoder, "grid": grid}


@dataclass
class Session:
    """A ready-to-fit training run."""

    run_dir: RunDir
    model: keras.Model
    batches: CaptionBatches
    val_batches: CaptionBatches
    dev: Split
    dev_features: np.ndarray
    epochs: int
    resumed: bool
    average_last: int = 0


def prepare(
    *,
    data: str | None = None,
    preset: str = "cpu",
    epochs: int | None = None,
    learning_rate: float | None = None,
    encoder: str | None = None,
    grid: int | None = None,
    run_dir: str | None = None,
    resume: str | None = None,
    seed: int = 0,
    mixed_precision: bool = False,
) -> Session:
    """Build (or reopen) a run: Flickr8k train and dev, the vocabulary, the model, the cached grids."""
    overrides = {"epochs": epochs, "learning_rate": learning_rate}
    start = start_run(
        APP,
        presets=PRESETS,
        preset=preset,
        overrides=overrides,
        settings={"data": data},
        seed=seed,
        mixed_precision=mixed_precision,
        run_dir=run_dir,
        resume=resume,
        extend={"epochs": epochs},
    )
    config = start.config
    if not start.resumed and (encoder or grid):
        config["recipe"]["shape"] = {**config["recipe"]["shape"], **encoder_and_grid(preset, encoder, grid)}
    recipe = start.recipe(Recipe, shape=Shape)
    start.prepare_devices(recipe.batch_size)
    train = load_split("train", config["data"]).first(recipe.max_images)
    dev = load_split("dev", config["data"]).first(recipe.val_images)
    if start.resumed:
        model = start.load_checkpoint(custom_objects())
        vocabulary = Vocabulary(model.get_layer("vocabulary").words)
    else:
        vocabulary = Vocabulary.build((c for cs in train.captions for c in cs), recipe.min_count)
        model = new_captioner(recipe, vocabulary, config["data"], start.seed)
    shape = recipe.shape
    cnn = model.get_layer("image_encoder").cnn
    train_features = cached_features(cnn, shape.encoder, shape.grid, train.images, "train")
    dev_features = cached_features(cnn, shape.encoder, shape.grid, dev.images, "dev")
    batches = caption_batches(train_features, train, vocabulary, recipe, start.seed)
    val_batches = caption_batches(dev_features, dev, vocabulary, recipe, start.seed)
    if not start.resumed:
        schedule = keras.optimizers.schedules.CosineDecay(
            recipe.learning_rate, decay_steps=recipe.epochs * batches.batches_per_epoch, alpha=0.1
        )
        model.compile(
            keras.optimizers.Adam(schedule, global_clipnorm=5.0),
            loss={"logits": MaskedCaptionLoss(recipe.label_smoothing), "coverage": CoverageLoss()},
            loss_weights={"logits": 1.0, "coverage": recipe.attention_penalty},
        )
    run = start.create()
    print(
        f"caption: {len(train)} training photos ({batches.num_items()} captions), {len(dev)} dev photos, "
        f"{len(vocabulary)} words, {shape.encoder} {shape.grid}x{shape.grid} grid, "
        f"{model.count_params() / 1e6:.1f} M parameters, run {run.path}"
    )
    return Session(
        run, model, batches, val_batches, dev, dev_features, recipe.epochs, start.resumed, recipe.average_last
    )


def train(session: Session, callbacks=()) -> list[dict]:
    """Fit to the configured epochs; best.keras follows the dev CIDEr-D of greedy captions, and becomes the
    model averaged over the last epochs (``average_last``) when that scores higher."""
    references = session.dev.references()
    score = lambda model: dev_scores(model, session.dev_features, references)  # noqa: E731
    history = fit(
        session.model,
        session.batches,
        epochs=session.epochs,
        run_dir=session.run_dir,
        val=session.val_batches,
        callbacks=[ValidationScores(score), *callbacks],
        monitor="val_cider",
        mode="max",
        resume=session.resumed,
        average_last=session.average_last,
        verbose=2,
    )
    run = session.run_dir
    if session.average_last and run.averaged_path.is_file():
        state = run.state()
        scores, better = promote_average(run, score, key="cider", custom_objects=custom_objects())
        print(
            f"caption: averaged weights: dev CIDEr-D {scores['cider']:.2f} BLEU-4 {scores['bleu4']:.2f} vs "
            f"CIDEr-D {state['best']:.2f} at epoch {state['best_epoch']}: "
            + ("now best.keras" if better else "best.keras stays")
        )
    return history
