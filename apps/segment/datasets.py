"""Segmentation datasets: image/mask pairs, the label space and how raw mask values map to class ids.

Every loader returns a `SegmentationSet`; masks come out as uint8 class ids with void pixels at IGNORE,
and a raw mask value that is neither a class nor void is an error when its mask is loaded.
Loaders: CamVid (`camvid`), Pascal VOC 2012 (`voc`), Oxford-IIIT Pet (`pets`) and a generic folder
(`folder`); `open_split` picks one from a folder's layout. Where a dataset has no validation list of its
own, every HOLDOUT-th pair of its training list (the 1st, 11th, 21st, ...) is "val" and the rest "train".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from dldemo.apps.segment.labels import CAMVID, IGNORE, LabelSpace
from dldemo.shared.data import dataset_path, list_images, read_image
from dldemo.shared.errors import UserError

INVALID = 254  # lookup result for raw values that are neither a class id nor void (never a class id)
HOLDOUT = 10
CAMVID_VOID = 11
CAMVID_SPLITS = ("train", "val", "test")
VOC_SPLITS = ("train", "val", "trainval", "test")
PETS_SPLITS = ("train", "val", "trainval", "test")
FOLDER_SPLITS = ("train", "val", "test")
VOC = LabelSpace.with_default_colours(
    ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow")
    + ("diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train")
    + ("tvmonitor",)
)
PETS = LabelSpace.with_default_colours(("background", "pet"))
LAYOUTS = (
    "CamVid ({train,val,test}/images and labels), Pascal VOC (VOCdevkit/VOC2012, or JPEGImages and "
    "SegmentationClass), Oxford-IIIT Pet (images and annotations/trimaps) or a folder (images, masks "
    "and classes.txt)"
)

PathLike = str | os.PathLike[str]
T = TypeVar("T")


def lookup_table(mapping: dict[int, int]) -> np.ndarray:
    """256 entries: raw mask value -> mapping[value], INVALID for values not in `mapping`."""
    table = np.full(256, INVALID, np.uint8)
    table[list(mapping)] = list(mapping.values())
    return table


def class_lookup(num_classes: int, void: tuple[int, ...] = (IGNORE,)) -> np.ndarray:
    """Raw value v -> v for class ids, `void` values -> IGNORE, anything else -> INVALID."""
    return lookup_table({v: IGNORE for v in void} | {v: v for v in range(num_classes)})


@dataclass(frozen=True)
class SegmentationSet:
    """Image/mask file pairs of one split, with the classes their masks use."""

    name: str
    labels: LabelSpace
    images: tuple[Path, ...]
    masks: tuple[Path, ...]
    lookup: np.ndarray = field(repr=False)  # 256 entries: raw mask value -> class id, IGNORE or INVALID

    def __post_init__(self) -> None:
        if len(self.images) != len(self.masks):
            raise ValueError(f"{len(self.images)} images but {len(self.masks)} masks")

    def __len__(self) -> int:
        return len(self.images)

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(RGB uint8 image, uint8 class-id mask with IGNORE for void) of pair `index`."""
        image_path, mask_path = self.images[index], self.masks[index]
        image = read_image(image_path)  # Pillow reads the few Oxford-IIIT Pet ".jpg" files that are GIFs
        raw = read_mask(mask_path)
        mask = self.lookup[raw]
        if mask.shape != image.shape[:2]:
            raise UserError(
                f"mask {mask_path} is {mask.shape[1]}x{mask.shape[0]} but its image {image_path} is "
                f"{image.shape[1]}x{image.shape[0]}: masks must have their image's size"
            )
        invalid = mask == INVALID
        if invalid.any():
            raise UserError(
                f"mask {mask_path} has value {raw[invalid][0]}, but {self.name} masks hold only "
                f"{_ranges(np.flatnonzero(self.lookup != INVALID))}: fix the mask or the dataset's class list"
            )
        return image, mask

    def load_all(self, limit: int | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        pairs = [self.load(i) for i in range(min(len(self), limit or len(self)))]
        return [p[0] for p in pairs], [p[1] for p in pairs]


def _ranges(values: np.ndarray) -> str:
    """Sorted integers as runs, e.g. '0-20, 255'."""
    runs: list[list[int]] = []
    for value in values.tolist():
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


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


def _check_split(split: str, choices: tuple[str, ...], dataset: str) -> None:
    if split not in choices:
        raise UserError(f"unknown {dataset} split '{split}': choose one of {', '.join(choices)}")


def _require_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise UserError(f"{path} not found: {what}")
    return path


def _holdout(items: Sequence[T], split: str) -> list[T]:
    """'val': every HOLDOUT-th item from the first; 'train': all the others."""
    return [item for i, item in enumerate(items) if (i % HOLDOUT == 0) == (split == "val")]


def _read_list(path: Path) -> list[str]:
    """The first word of each line of a split list (blank and '#' lines skipped)."""
    if not path.is_file():
        raise UserError(f"split list {path} not found: the dataset is incomplete, fetch or copy it again")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def _listed_pairs(stems: list[str], images: Path, masks: Path, where: str) -> tuple[tuple[Path, ...], ...]:
    """<images>/<stem>.jpg and <masks>/<stem>.png of each listed stem; every one must exist."""
    pairs = [(images / f"{stem}.jpg", masks / f"{stem}.png") for stem in stems]
    missing = [path for pair in pairs for path in pair if not path.is_file()]
    if missing:
        raise UserError(
            f"{where}: {len(missing)} listed files are missing (e.g. {missing[0]}): "
            "the dataset is incomplete, fetch or copy it again"
        )
    if not pairs:
        raise UserError(f"{where}: the split list is empty")
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def camvid(split: str, root: str | None = None) -> SegmentationSet:
    """CamVid under the data root (`root` overrides the data root); see `_camvid_folder`."""
    _check_split(split, CAMVID_SPLITS, "CamVid")
    return _camvid_folder(split, dataset_path("camvid", root))


def _camvid_folder(split: str, root: PathLike) -> SegmentationSet:
    """The SegNet layout: {split}/images/*.jpg|png and {split}/labels/*.png, 0-10 = CamVid's classes.

    Label 11 (CamVid's void) and 255 are void.
    """
    _check_split(split, CAMVID_SPLITS, "CamVid")
    base = Path(root)
    where = _require_dir(base / split, f"a CamVid-style dataset needs {', '.join(CAMVID_SPLITS)} folders")
    images, masks = pair_by_stem(
        list_images(_require_dir(where / "images", "each CamVid split needs an images folder")),
        sorted(_require_dir(where / "labels", "each CamVid split needs a labels folder").glob("*.png")),
        f"CamVid {split} ({where})",
    )
    lookup = class_lookup(CAMVID.num_classes, (CAMVID_VOID, IGNORE))
    return SegmentationSet(f"{_name(base)}-{split}", CAMVID, images, masks, lookup)


def voc(split: str, root: PathLike | None = None) -> SegmentationSet:
    """Pascal VOC 2012 segmentation: 21 classes from the masks' palette indices, 255 (border) void.

    `root` is the VOC2012 folder or a folder holding VOCdevkit/VOC2012 (default: the voc2012 dataset under
    the data root). Splits: the official train, val and trainval lists; "test" is val, as the test masks
    are not public.
    """
    _check_split(split, VOC_SPLITS, "Pascal VOC")
    base = _voc_base(Path(root) if root else dataset_path("voc2012"))
    listed = "val" if split == "test" else split
    images, masks = _listed_pairs(
        _read_list(base / "ImageSets" / "Segmentation" / f"{listed}.txt"),
        base / "JPEGImages",
        base / "SegmentationClass",
        f"Pascal VOC {listed} ({base})",
    )
    return SegmentationSet(f"voc-{listed}", VOC, images, masks, class_lookup(VOC.num_classes))


def _voc_base(root: Path) -> Path:
    """The VOC2012 folder: `root` itself or root/VOCdevkit/VOC2012."""
    nested = root / "VOCdevkit" / "VOC2012"
    base = nested if nested.is_dir() else root
    if not ((base / "JPEGImages").is_dir() and (base / "SegmentationClass").is_dir()):
        raise UserError(
            f"{root} is not a Pascal VOC 2012 folder (JPEGImages and SegmentationClass, or VOCdevkit/VOC2012 "
            "holding them): point at the VOC2012 folder or run `dldemo data fetch voc2012`"
        )
    return base


def pets(split: str, root: PathLike | None = None) -> SegmentationSet:
    """Oxford-IIIT Pet trimaps as background (2) and pet (1); the border (3) is void.

    `root` holds images/ and annotations/ (default: the oxford-pets dataset under the data root).
    Splits: trainval and test are the official lists; val is every HOLDOUT-th image of trainval (the 1st,
    11th, ...) and train the rest of trainval.
    """
    _check_split(split, PETS_SPLITS, "Oxford-IIIT Pet")
    base = Path(root) if root else dataset_path("oxford-pets")
    stems = _read_list(base / "annotations" / ("test.txt" if split == "test" else "trainval.txt"))
    if split in ("train", "val"):
        stems = _holdout(stems, split)
    images, masks = _listed_pairs(
        stems, base / "images", base / "annotations" / "trimaps", f"Oxford-IIIT Pet {split} ({base})"
    )
    return SegmentationSet(f"pets-{split}", PETS, images, masks, lookup_table({1: 1, 2: 0, 3: IGNORE}))


def folder(split: str, root: PathLike) -> SegmentationSet:
    """A folder of images/, masks/ (PNGs of class ids, 255 void) and classes.txt (line i names class i).

    With images/train, images/val (and optionally images/test) subfolders, mirrored under masks/, those
    are the splits ("test" is val where there is no test folder). Otherwise every HOLDOUT-th pair by file
    name (the 1st, 11th, ...) is val, the rest train, and "test" is val.
    """
    _check_split(split, FOLDER_SPLITS, "folder")
    base = Path(root)
    labels = _read_classes(base / "classes.txt")
    subfolders = (base / "images" / "train").is_dir()
    part = ("test" if (base / "images" / "test").is_dir() else "val") if split == "test" else split
    need = "a folder dataset has images/ and masks/, both with train/ and val/ subfolders or neither"
    images_dir = _require_dir(base / "images" / part if subfolders else base / "images", need)
    masks_dir = _require_dir(base / "masks" / part if subfolders else base / "masks", need)
    images, masks = pair_by_stem(
        list_images(images_dir), sorted(masks_dir.glob("*.png")), f"{images_dir} and {masks_dir}"
    )
    if not subfolders:
        images, masks = _holdout(images, part), _holdout(masks, part)
    lookup = class_lookup(labels.num_classes)
    return SegmentationSet(f"{_name(base)}-{part}", labels, tuple(images), tuple(masks), lookup)


def _name(base: Path) -> str:
    """The folder's own name, also for '.' or a trailing slash."""
    return Path(os.path.abspath(base)).name


def _read_classes(path: Path) -> LabelSpace:
    """The class names of classes.txt, one per line: line i (from 0) names class id i."""
    if not path.is_file():
        raise UserError(
            f"{path} not found: list the class names there, one per line (line i names class id i)"
        )
    names = [line.strip() for line in path.read_text(encoding="utf-8").rstrip().splitlines()]
    if not names or "" in names or len(names) >= IGNORE:
        raise UserError(
            f"{path} must name 1 to {IGNORE - 1} classes, one per non-empty line (line i names class id i)"
        )
    return LabelSpace.with_default_colours(names)


def _layout(base: Path) -> Callable[[str, PathLike], SegmentationSet]:
    """The loader for the layout of folder `base`."""
    if (base / "train" / "images").is_dir() and (base / "train" / "labels").is_dir():
        return _camvid_folder
    if (base / "VOCdevkit" / "VOC2012").is_dir() or (base / "SegmentationClass").is_dir():
        return voc
    if (base / "annotations" / "trimaps").is_dir():
        return pets
    if (base / "images").is_dir() and (base / "masks").is_dir():
        return folder
    raise UserError(f"{base} is not a segmentation dataset layout this knows: use one of {LAYOUTS}")


def open_split(data: str | None, split: str) -> SegmentationSet:
    """A split of the dataset in folder `data`, in any of the LAYOUTS (default: CamVid at the data root)."""
    if data is None:
        return camvid(split)
    base = Path(data).expanduser()
    if not base.is_dir():
        raise UserError(f"{data} is not a folder: give a dataset folder, one of {LAYOUTS}")
    return _layout(base)(split, base)
