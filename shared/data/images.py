"""Finding and reading images: files, folders or glob patterns in, uint8 RGB arrays out."""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from dldemo.shared.errors import UserError

if TYPE_CHECKING:
    import numpy as np

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
_log = logging.getLogger(__name__)


def is_image(path: Path) -> bool:
    """Whether ``path`` is a file with an image extension (any case)."""
    return path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file()


def list_images(source: str | os.PathLike[str]) -> list[Path]:
    """The images named by ``source``: a file, a folder (searched recursively) or a glob pattern, sorted."""
    text = os.path.expanduser(os.fspath(source))
    path = Path(text)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if is_image(p))
    elif path.is_file() or not glob.has_magic(text):
        found = [path] if is_image(path) else []
    else:
        found = sorted(p for p in map(Path, glob.glob(text, recursive=True)) if is_image(p))
    if not found:
        kinds = "/".join(sorted(e.lstrip(".") for e in IMAGE_EXTENSIONS))
        raise UserError(
            f"no images found at {source} (looked for {kinds} files): "
            "give an image file, a folder of images or a glob pattern such as 'photos/*.jpg'"
        )
    return found


def read_image_rgb(path: str | os.PathLike[str]) -> np.ndarray | None:
    """The image as uint8 HxWx3 RGB (grey and RGBA converted), or None if it cannot be read."""
    import cv2

    bgr = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def load_images(paths: Iterable[str | os.PathLike[str]], *, max_side: int | None = None) -> list[np.ndarray]:
    """Read every image, downscaled so its long side is at most ``max_side`` (if given).

    Unreadable files are skipped with one warning; UserError if none of them can be read.
    """
    if max_side is not None and max_side < 1:
        raise UserError(f"max_side must be a positive number of pixels, got {max_side}")
    paths = list(paths)
    images, bad = [], []
    for path in paths:
        image = read_image_rgb(path)
        if image is None:
            bad.append(Path(path).name)
        else:
            images.append(image if max_side is None else _fit(image, max_side))
    if bad:
        more = ", ..." if len(bad) > 3 else ""
        names = ", ".join(bad[:3]) + more
        _log.warning("skipped %d unreadable image(s) of %d: %s", len(bad), len(paths), names)
    if paths and not images:
        raise UserError(f"none of the {len(paths)} images could be read: check that they are image files")
    return images


def _fit(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` scaled down (INTER_AREA) so that its long side is at most ``max_side``."""
    import cv2

    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
