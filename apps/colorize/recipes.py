"""Training recipes of the colorize app and the photos each one trains and validates on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dldemo.shared.data import dataset_path, list_images
from dldemo.shared.errors import UserError

ENCODERS = ("squeezenet", "efficientnet-lite0", "scratch")  # ImageNet's two (on the grey image), or none


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a training run besides the data."""

    crop: int
    width: int
    batch_size: int
    steps_per_epoch: int
    epochs: int
    learning_rate: float
    val_images: int  # validation photos scored after every epoch
    max_images: int | None = None  # cap on training photos (the tiny preset)
    encoder: str = "scratch"  # one of ENCODERS; the ImageNet ones load their weights from their datasets
    rebalance: float = 0.5  # lambda of Zhang et al. eq. 4: 0.5 in the paper, 1.0 = no rebalancing


PRESETS = {
    "tiny": Recipe(
        crop=64,
        width=8,
        batch_size=4,
        steps_per_epoch=6,
        epochs=3,
        learning_rate=3e-3,
        val_images=4,
        max_images=24,
    ),
    "cpu": Recipe(
        crop=128,
        width=32,
        batch_size=16,
        steps_per_epoch=200,
        epochs=10,
        learning_rate=5e-4,
        val_images=25,
        encoder="squeezenet",
        rebalance=0.9,
    ),
    "gpu": Recipe(
        crop=176,
        width=32,
        batch_size=32,
        steps_per_epoch=500,
        epochs=30,
        learning_rate=5e-4,
        val_images=100,
        encoder="squeezenet",
        rebalance=0.9,
    ),
}


def recipe_photos(root: str | None) -> tuple[list[Path], list[Path]]:
    """The shipped model's data: CamVid train, BSDS500 train and the Flickr8k photos outside its dev/test
    lists for training; BSDS500 val (never trained on) for validation."""
    flickr = dataset_path("flickr8k", root)
    held_out = set()
    for name in ("Flickr_8k.devImages.txt", "Flickr_8k.testImages.txt"):
        held_out |= set((flickr / "text" / name).read_text().split())
    train = (
        list_images(dataset_path("bsds500", root) / "train")
        + list_images(dataset_path("camvid", root) / "train" / "images")
        + [p for p in list_images(_full_size(flickr)) if p.name not in held_out]
    )
    return train, list_images(dataset_path("bsds500", root) / "val")


def _full_size(flickr: Path) -> Path:
    """Flickr8k's full-size photos: the reference copy's ``images/`` or a full fetch's folder."""
    return next(
        (flickr / f for f in ("images", "Flicker8k_Dataset") if (flickr / f).is_dir()), flickr / "images"
    )


def folder_photos(folder: str) -> tuple[list[Path], list[Path]]:
    """Any folder of colour photos: every 10th photo (at most 50) is held out for validation."""
    photos = list_images(folder)
    if len(photos) < 4:
        raise UserError(
            f"{folder} has {len(photos)} images; colorize training needs at least 4 colour photos"
        )
    val = photos[::10][:50]
    return [p for p in photos if p not in set(val)], val
