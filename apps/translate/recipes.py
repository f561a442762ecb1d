"""Training recipes of the translate app: the network's ``Shape`` and the presets (no Keras here, so
that the CLI can list the presets without loading it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    """Sizes of the network."""

    vocab_size: int = 8000
    embedding: int = 256
    encoder_units: int = 256  # per direction
    decoder_units: int = 512
    dropout: float = 0.3
    target_vocab_size: int | None = None  # None: one joint vocabulary, one embedding for both sides


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a training run besides the data."""

    shape: Shape = field(default_factory=Shape)
    batch_size: int = 64
    epochs: int = 12
    learning_rate: float = 1e-3
    label_smoothing: float = 0.1
    max_len: int = 64  # subwords per sentence (longer ones are truncated)
    subword_model: str = "unigram"  # sentencepiece model type: unigram or bpe
    vocabulary: str = "joint"  # joint: one subword model and embedding; separate: one per language
    val_sentences: int | None = None  # validation sentences translated (greedy) after every epoch; None = all
    max_pairs: int | None = None  # cap on training pairs (the tiny preset)
    average_last: int = 0  # also average the weights of the last N epochs (0: off)


PRESETS = {
    "tiny": Recipe(
        shape=Shape(vocab_size=300, embedding=32, encoder_units=32, decoder_units=64, dropout=0.1),
        batch_size=32, epochs=3, learning_rate=3e-3, max_len=32, val_sentences=32, max_pairs=512,
    ),
    "cpu": Recipe(
        shape=Shape(vocab_size=6000, embedding=256, encoder_units=256, decoder_units=256, dropout=0.3),
        epochs=16,
    ),
    "gpu": Recipe(
        shape=Shape(vocab_size=8000, embedding=512, encoder_units=512, decoder_units=512, dropout=0.3),
        batch_size=128, epochs=30,
    ),
}  # fmt: skip
