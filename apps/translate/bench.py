"""Translation speed (sentences/s at a beam width) and training throughput (target tokens/s)."""

from __future__ import annotations

import keras
import numpy as np

from dldemo.apps.translate.model import MaskedCrossEntropy, build_translator
from dldemo.apps.translate.recipes import PRESETS
from dldemo.apps.translate.training import teacher_forcing
from dldemo.apps.translate.translator import Translator
from dldemo.shared.bench import seconds_per_call

SENTENCES = [
    "A man in a blue shirt is riding a bicycle down the street.",
    "Two young girls are playing in the sand at the beach.",
    "A dog runs through the snow with a stick in its mouth.",
    "People are sitting at tables outside a small restaurant.",
]


def translation_rate(translator: Translator, *, beam: int, sentences: int, batch_size: int) -> dict:
    """Sentences/s translating ``sentences`` typical Multi30k-length sentences (after one warm-up pass)."""
    texts = [SENTENCES[i % len(SENTENCES)] for i in range(sentences)]
    seconds = seconds_per_call(lambda: translator.translate(texts, beam=beam, batch_size=batch_size), 1)
    return {"beam": beam, "sentences": sentences, "sentences_per_s": round(sentences / seconds, 2)}


def training_rate(preset: str, steps: int, *, source_len: int = 18, target_len: int = 20) -> dict:
    """Target tokens/s of the preset's model on random batches of typical Multi30k lengths (in subwords)."""
    recipe = PRESETS[preset]
    model = build_translator(recipe.shape, subwords="", pair="en-de")
    model.compile(
        keras.optimizers.Adam(recipe.learning_rate), loss=MaskedCrossEntropy(recipe.label_smoothing)
    )
    rng = np.random.default_rng(0)
    vocab = recipe.shape.vocab_size

    def batch():
        source = [list(rng.integers(4, vocab, source_len)) + [2] for _ in range(recipe.batch_size)]
        target = [list(rng.integers(4, vocab, target_len)) + [2] for _ in range(recipe.batch_size)]
        return teacher_forcing(source, target)

    seconds = seconds_per_call(lambda: model.train_on_batch(*batch()), steps)  # after a compiling step
    return {
        "preset": preset,
        "train_tokens_per_s": round(recipe.batch_size * (target_len + 1) / seconds, 1),
        "train_step_s": round(seconds, 3),
    }
