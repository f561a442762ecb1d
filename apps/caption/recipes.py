"""Training recipes of the caption app: the network's ``Shape`` and the presets (no Keras here, so that the
CLI can list the presets without loading it)."""

from __future__ import annotations

from dataclasses import dataclass, field

ENCODERS = ("efficientnet-lite0", "squeezenet")
BEAM = 3  # the shipped decoding: beam width and GNMT length penalty, chosen on Flickr8k dev
LENGTH_PENALTY = 1.5
GRIDS = {"efficientnet-lite0": (7, 14), "squeezenet": (14,)}  # 7: the stride-32 head, 14: stride 16


@dataclass(frozen=True)
class Shape:
    """Sizes of the network (Show, Attend and Tell with a frozen ImageNet CNN)."""

    encoder: str = "efficientnet-lite0"
    grid: int = 7  # 7 (stride 32, 1280 channels) beat 14 (stride 16, 112 channels) on Flickr8k dev
    image_size: int = 224  # photos are squashed to a square of this side, as Flickr8k's 224 px copies are
    features: int = 512  # the CNN features are projected to this width before attention
    embedding: int = 256
    units: int = 512  # LSTM units
    attention: int = 256  # width of the attention MLP
    dropout: float = 0.5


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a training run besides the data."""

    shape: Shape = field(default_factory=Shape)
    batch_size: int = 64
    epochs: int = 12
    learning_rate: float = 1e-3  # Adam, cosine decay to a tenth
    attention_penalty: float = 1.0  # lambda of the doubly stochastic attention regularisation
    label_smoothing: float = 0.0
    average_last: int = (
        0  # also average the weights of the last N epochs (best.keras if dev CIDEr-D is higher)
    )
    min_count: int = 5  # words seen fewer times in the training captions become <unk>
    max_words: int = 20  # longer training captions are cut (references are never cut)
    max_images: int | None = None  # cap on training images (the tiny preset)
    val_images: int | None = None  # dev images captioned (greedy) after every epoch; None: all


PRESETS = {
    "tiny": Recipe(
        shape=Shape(features=64, embedding=32, units=64, attention=32, dropout=0.1),
        batch_size=32,
        epochs=2,
        learning_rate=3e-3,
        max_images=64,
        val_images=32,
    ),
    "cpu": Recipe(epochs=10, label_smoothing=0.1, average_last=4),
    "gpu": Recipe(batch_size=128, learning_rate=2e-3, epochs=20),
}
