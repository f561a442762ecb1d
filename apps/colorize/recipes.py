"""Training recipes of the colorize app and the photos each one trains and validates on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dldemo.shared.data import dataset_path, list_images
from dldemo.shared.errors import UserError

FLICKR8K_FULL_SIZE = ("images", "Flicker8k_Dataset")  # the reference copy's folder, a full fetch's
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
    frozen_encoder: bool = False  # EfficientNet-Lite0 kept as ImageNet left it: only the decoder learns


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
        crop=176,  # as Zhang et al.; over 128 px: +0.13 dB and more colour on val (README)
        width=32,
        batch_size=16,
        steps_per_epoch=200,
        epochs=10,
        learning_rate=5e-4,
        val_images=25,
        encoder="efficientnet-lite0",  # +0.51 dB over SqueezeNet, same data and budget (README)
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
        encoder="efficientnet-lite0",
        rebalance=0.9,
    ),
}


def recipe_photos(root: str | None) -> tuple[list[Path], list[Path]]:
    """The shipped model's data.

    Training: CamVid train, BSDS500 train and every Flickr8k photo outside its dev and test lists (about
    6,100). Validation: BSDS500 val and Flickr8k dev, alternating, so the first N photos hold both.
    """
    flickr = dataset_path("flickr8k", root)
    photos = _flickr8k_photos(flickr)
    dev, test = (
        set((flickr / "text" / f"Flickr_8k.{s}Images.txt").read_text().split()) for s in ("dev", "test")
    )
    held_out = dev | test
    train = (
        list_images(dataset_path("bsds500", root) / "train")
        + list_images(dataset_path("camvid", root) / "train" / "images")
        + [path for name, path in photos.items() if name not in held_out]
    )
    bsds_val = list_images(dataset_path("bsds500", root) / "val")
    flickr_dev = [path for name, path in photos.items() if name in dev]
    return train, _alternate(bsds_val, flickr_dev)


def _flickr8k_photos(flickr: Path) -> dict[str, Path]:
    """Every Flickr8k photo by file name: the full-size copy where there is one (the reference copy's
    ``images/`` or a full fetch's folder), else the 224x224 one of ``images224/`` (squashed to square;
    colour survives the squash)."""
    folders = [flickr / f for f in ("images224", *FLICKR8K_FULL_SIZE) if (flickr / f).is_dir()]
    found: dict[str, Path] = {}  # dataset_path checked that one of the folders is there
    for folder in folders:  # later folders (full size) replace earlier ones (224 px)
        found.update((path.name, path) for path in list_images(folder))
    return dict(sorted(found.items()))


def _alternate(first: list[Path], second: list[Path]) -> list[Path]:
    """first[0], second[0], first[1], second[1], ... then the rest of the longer list."""
    merged = [path for pair in zip(first, second, strict=False) for path in pair]
    shorter = min(len(first), len(second))
    return merged + first[shorter:] + second[shorter:]


def folder_photos(folder: str) -> tuple[list[Path], list[Path]]:
    """Any folder of colour photos: every 10th photo (at most 50) is held out for validation."""
    photos = list_images(folder)
    if len(photos) < 4:
        raise UserError(
            f"{folder} has {len(photos)} images; colorize training needs at least 4 colour photos"
        )
    val = photos[::10][:50]
    return [p for p in photos if p not in set(val)], val
