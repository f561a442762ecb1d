"""Segmentation datasets: image/mask pairs, the label space and how raw mask values map to class ids.

Every loader returns a `SegmentationSet`; masks come out as uint8 class ids with void pixels at IGNORE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dldemo.apps.segment.labels import CAMVID, IGNORE, LabelSpace
from dldemo.shared.data import dataset_path, list_images, read_image_rgb
from dldemo.shared.errors import UserError

CAMVID_VOID = 11
CAMVID_SPLITS = ("train", "val", "test")


def identity_lookup(num_classes: int) -> np.ndarray:
    """Raw value v -> v for real classes, everything else -> IGNORE."""
    table = np.full(256, IGNORE, np.uint8)
    table[:num_classes] = np.arange(num_classes)
    return table


@dataclass(frozen=True)
class SegmentationSet:
    """Image/mask file pairs of one split, with the classes their masks use."""

    name: str
    labels: LabelSpace
    images: tuple[Path, ...]
    masks: tuple[Path, ...]
    lookup: np.ndarray = field(repr=False)  # 256 entries: raw mask value -> class id or IGNORE

    def __post_init__(self) -> None:
        if len(self.images) != len(self.masks):
            raise ValueError(f"{len(self.images)} images but {len(self.masks)} masks")

    def __len__(self) -> int:
        return len(self.images)

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(RGB uint8 image, uint8 class-id mask with IGNORE for void) of pair `index`."""
        image_path, mask_path = self.images[index], self.masks[index]
        image = read_image_rgb(image_path)
        if image is None:
            raise UserError(f"{image_path} is not a readable image: replace or remove it")
        mask = self.lookup[read_mask(mask_path)]
        if mask.shape != image.shape[:2]:
            raise UserError(
                f"mask {mask_path} is {mask.shape[1]}x{mask.shape[0]} but its image {image_path} is "
                f"{image.shape[1]}x{image.shape[0]}: masks must have their image's size"
            )
        return image, mask

    def load_all(self, limit: int | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        pairs = [self.load(i) for i in range(min(len(self), limit or len(self)))]
        return [p[0] for p in pairs], [p[1] for p in pairs]


def read_mask(path: Path) -> np.ndarray:
    """The raw values of a single-channel (greyscale or palette-index) mask PNG."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.mode not in ("L", "P", "I;16", "I"):
                raise UserError(
                    f"mask {path} is a {image.mode} image: masks must be single-channel PNGs whose "
                    "values (or palette indices) are class ids"
                )
            values = np.asarray(image)
    except (OSError, UnidentifiedImageError) as error:
        raise UserError(f"mask {path} is not a readable image ({error}): replace or remove it") from None
    if values.max(initial=0) > 255:
        raise UserError(f"mask {path} has values above 255: class ids must fit in 8 bits")
    return values.astype(np.uint8)


def pair_by_stem(images: list[Path], masks: list[Path], where: str) -> tuple[tuple[Path, ...], ...]:
    """Match images and masks by file stem; any image without a mask (or mask without image) is an error."""
    by_stem = {m.stem: m for m in masks}
    missing = [p.name for p in images if p.stem not in by_stem]
    extra = sorted(set(by_stem) - {p.stem for p in images})
    if missing or extra:
        detail = f"e.g. image {missing[0]}" if missing else f"e.g. mask stem {extra[0]}"
        raise UserError(
            f"{where}: {len(missing)} images without a mask and {len(extra)} masks without an image "
            f"({detail}): every image needs a mask with the same file stem"
        )
    if not images:
        raise UserError(f"{where}: no images found")
    return tuple(images), tuple(by_stem[p.stem] for p in images)


def camvid(split: str, root: str | None = None) -> SegmentationSet:
    """CamVid in the SegNet layout: {split}/images/*.jpg|png and {split}/labels/*.png, 11 = void."""
    if split not in CAMVID_SPLITS:
        raise UserError(f"unknown CamVid split '{split}': choose one of {', '.join(CAMVID_SPLITS)}")
    base = dataset_path("camvid", root) / split
    images, masks = pair_by_stem(
        list_images(base / "images"), sorted((base / "labels").glob("*.png")), f"CamVid {split}"
    )
    return SegmentationSet(f"camvid-{split}", CAMVID, images, masks, identity_lookup(CAMVID_VOID))


def open_split(data: str | None, split: str) -> SegmentationSet:
    """A split of the dataset at `data` (default: CamVid under the data root)."""
    if data is None:
        return camvid(split)
    raise UserError(f"{data}: not a recognised segmentation dataset layout")
