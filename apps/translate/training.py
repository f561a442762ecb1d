"""`dldemo train translate` and `dldemo record translate`: pairs, subwords, batches and the training run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import keras
import numpy as np

from dldemo.apps.translate.corpus import Pairs, load_pairs
from dldemo.apps.translate.model import MaskedCrossEntropy, build_translator, custom_objects, shape_of
from dldemo.apps.translate.recipes import PRESETS, Recipe, Shape
from dldemo.apps.translate.scoring import score
from dldemo.apps.translate.tokenizer import BOS, Subwords
from dldemo.apps.translate.translator import Translator, subwords_of
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import resolve_weights
from dldemo.shared.train import LengthBatches, RunDir, ValidationScores, fit, start_run
from dldemo.shared.train.averaging import promote_average as promote_average_model

APP = "translate"


def teacher_forcing(source: list[list[int]], target: list[list[int]], width: int | None = None):
    """((source ids, target input = BOS + target[:-1]), target) as int32 arrays padded to one bucket."""
    width = width or LengthBatches.bucket(max(max(map(len, source)), max(map(len, target))))
    batch = np.zeros((3, len(source), width), np.int32)
    for row, (src, tgt) in enumerate(zip(source, target, strict=True)):
        batch[0, row, : len(src)] = src
        batch[1, row, : len(tgt)] = [BOS, *tgt[:-1]]
        batch[2, row, : len(tgt)] = tgt
    return (batch[0], batch[1]), batch[2]


class PairBatches(LengthBatches):
    """Batches of encoded sentence pairs (each side ends with EOS) of similar length, padded to a bucket."""

    def __init__(self, source: list[list[int]], target: list[list[int]], batch_size: int, seed: int):
        lengths = np.maximum([len(ids) for ids in source], [len(ids) for ids in target])
        super().__init__(lengths, batch_size=batch_size, seed=seed)
        self.source, self.target = source, target

    def make_batch(self, indices: np.ndarray, rng: np.random.Generator):
        return teacher_forcing(
            [self.source[i] for i in indices], [self.target[i] for i in indices], self.width
        )


def greedy_scores(model: keras.Model, pairs: Pairs) -> dict[str, float]:
    """sacreBLEU and chrF of the model's greedy translations of ``pairs`` (the validation scores)."""
    translations = Translator(model).translate(pairs.source, beam=1, progress="translate: validation")
    scores = score([t.text for t in translations], pairs.target)
    return {"bleu": scores.bleu, "chrf": scores.chrf}


@dataclass
class Session:
    """A ready-to-fit training run."""

    run_dir: RunDir
    model: keras.Model
    batches: PairBatches
    val_batches: PairBatches
    val_pairs: Pairs
    epochs: int
    resumed: bool
    average_last: int = 0


def encode(
    subwords: tuple[Subwords, Subwords], pairs: Pairs, max_len: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Both sides' subword ids, cut to ``max_len`` (keeping the final EOS)."""

    def clip(ids: list[int]) -> list[int]:
        return ids if len(ids) <= max_len else [*ids[: max_len - 1], ids[-1]]

    source_subwords, target_subwords = subwords
    source, target = source_subwords.encode(pairs.source), target_subwords.encode(pairs.target)
    return [clip(x) for x in source], [clip(x) for x in target]


def new_translator(recipe: Recipe, pairs: Pairs, pair: str, seed: int) -> keras.Model:
    """An untrained translator with subwords trained on ``pairs``: one joint model or one per language."""

    def subwords(sentences: list[str]) -> Subwords:
        return Subwords.train(sentences, vocab_size=recipe.shape.vocab_size, model_type=recipe.subword_model)

    if recipe.vocabulary == "joint":
        joint = subwords([*pairs.source, *pairs.target])
        shape = replace(recipe.shape, vocab_size=joint.vocab_size, target_vocab_size=None)
        return build_translator(shape, subwords=joint.to_base64(), pair=pair, seed=seed)
    source, target = subwords(pairs.source), subwords(pairs.target)
    shape = replace(recipe.shape, vocab_size=source.vocab_size, target_vocab_size=target.vocab_size)
    return build_translator(
        shape, subwords=source.to_base64(), target_subwords=target.to_base64(), pair=pair, seed=seed
    )


def first(pairs: Pairs, count: int | None) -> Pairs:
    if count is None or count >= len(pairs):
        return pairs
    return Pairs(pairs.source[:count], pairs.target[:count], pairs.skipped)


def learning_rate_schedule(
    recipe: Recipe, steps_per_epoch: int
) -> keras.optimizers.schedules.LearningRateSchedule:
    """Cosine decay from the recipe's rate to a tenth of it over the recipe's epochs."""
    return keras.optimizers.schedules.CosineDecay(
        recipe.learning_rate, decay_steps=recipe.epochs * steps_per_epoch, alpha=0.1
    )


def prepare(
    *,
    pair: str = "en-de",
    data: str | None = None,
    preset: str = "cpu",
    epochs: int | None = None,
    learning_rate: float | None = None,
    subword_model: str | None = None,
    vocabulary: str | None = None,
    average_last: int | None = None,
    run_dir: str | None = None,
    resume: str | None = None,
    init_weights: str | None = None,
    seed: int = 0,
    mixed_precision: bool = False,
) -> Session:
    """Build (or reopen) a run: pairs, subword vocabularies trained on the training pairs, model, data.

    ``init_weights`` (a translator .keras file or run) goes on training that model, with its subwords and
    shape, under a fresh optimizer and learning-rate schedule: a warm restart, or fine-tuning on new data.
    """
    if init_weights and (vocabulary or subword_model):
        raise UserError(
            "--init-weights keeps the model's own subwords: drop --vocabulary and --subword-model"
        )
    overrides = {"epochs": epochs, "learning_rate": learning_rate, "subword_model": subword_model,
                 "vocabulary": vocabulary, "average_last": average_last}  # fmt: skip
    settings = {"pair": pair, "data": data, "init_weights": str(init_weights) if init_weights else None}
    start = start_run(APP, presets=PRESETS, preset=preset, overrides=overrides, settings=settings, seed=seed,
                      mixed_precision=mixed_precision, run_dir=run_dir, resume=resume,
                      extend={"epochs": epochs})  # fmt: skip
    config, recipe = start.config, start.recipe(Recipe, shape=Shape)
    if recipe.average_last > recipe.epochs:
        raise UserError(
            f"--average-last {recipe.average_last} is more than the {recipe.epochs} epochs of the run: "
            "average at most that many"
        )
    start.prepare_devices(recipe.batch_size)
    if start.resumed:
        model = start.load_checkpoint(custom_objects())
    elif init_weights:  # its shape and subwords, whatever the preset says
        model = Translator.from_preset(init_weights, pair).model
        shape = shape_of(model)
        recipe = replace(recipe, shape=shape, vocabulary="separate" if shape.target_vocab_size else "joint")
        config["recipe"] = asdict(recipe)
        size = f"{model.count_params() / 1e6:.1f} M parameters, its {recipe.vocabulary} subwords"
        print(f"translate: starting from {resolve_weights(init_weights, app=APP)} ({size})")
    train_pairs = first(load_pairs(config["pair"], "train", config["data"]), recipe.max_pairs)
    val_pairs = first(load_pairs(config["pair"], "val", config["data"]), recipe.val_sentences)
    print(f"translate: {config['pair']}: {len(train_pairs)} training pairs ({train_pairs.skipped} skipped), "
          f"{len(val_pairs)} validation pairs")  # fmt: skip
    if not (start.resumed or init_weights):
        model = new_translator(recipe, train_pairs, config["pair"], start.seed)
    subwords = subwords_of(model)
    source, target = encode(subwords, train_pairs, recipe.max_len)
    batches = PairBatches(source, target, recipe.batch_size, start.seed)
    val_source, val_target = encode(subwords, val_pairs, recipe.max_len)
    val_batches = PairBatches(val_source, val_target, recipe.batch_size, start.seed)
    if not start.resumed:
        schedule = learning_rate_schedule(recipe, batches.batches_per_epoch)
        model.compile(
            keras.optimizers.Adam(schedule, global_clipnorm=1.0),
            loss=MaskedCrossEntropy(recipe.label_smoothing),
        )
    run = start.create()
    sizes = [side.vocab_size for side in subwords]
    counts = f"{sizes[0]} joint" if recipe.vocabulary == "joint" else "{} source + {} target".format(*sizes)
    print(f"translate: {counts} subwords, {model.count_params() / 1e6:.1f} M parameters, run {run.path}")
    return Session(
        run, model, batches, val_batches, val_pairs, recipe.epochs, start.resumed, recipe.average_last
    )


def train(session: Session, callbacks=()) -> list[dict]:
    """Fit to the configured epochs; best.keras follows the validation BLEU (greedy), and becomes the
    model averaged over the last epochs (``average_last``) when that scores higher."""
    history = fit(
        session.model,
        session.batches,
        epochs=session.epochs,
        run_dir=session.run_dir,
        val=session.val_batches,
        callbacks=[ValidationScores(lambda model: greedy_scores(model, session.val_pairs)), *callbacks],
        monitor="val_bleu",
        mode="max",
        resume=session.resumed,
        average_last=session.average_last,
        verbose=2,
    )
    if session.average_last and session.run_dir.averaged_path.is_file():
        promote_average(session)
    return history


def promote_average(session: Session) -> None:
    """Score averaged.keras on the validation pairs; it replaces best.keras if its BLEU is higher."""
    state = session.run_dir.state()
    scores, better = promote_average_model(
        session.run_dir,
        lambda model: greedy_scores(model, session.val_pairs),
        key="bleu",
        custom_objects=custom_objects(),
    )
    print(
        f"translate: averaged weights: val BLEU {scores['bleu']:.2f} chrF {scores['chrf']:.2f} "
        f"vs {state['best']:.2f} at epoch {state['best_epoch']}: "
        + ("now best.keras" if better else "best.keras stays")
    )
