"""Images on disk and in memory: finding, reading (uint8 RGB) and resizing by the long side.

Every app and the live sources use these: one set of image suffixes, one reader, one long-side resize.
"""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from dldemo.shared.errors import UserError
from dldemo.shared.progress import progress

if TYPE_CHECKING:
    import numpy as np

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
_log = logging.getLogger(__name__)


def is_image(path: Path) -> bool:
    """Whether ``path`` is a file with an image suffix (any case)."""
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


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
        kinds = "/".join(sorted(e.lstrip(".") for e in IMAGE_SUFFIXES))
        raise UserError(
            f"no images found at {source} (looked for {kinds} files): "
            "give an image file, a folder of images or a glob pattern such as 'photos/*.jpg'"
        )
    return found


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """The image as uint8 HxWx3 RGB (grey and RGBA converted; non-ASCII paths work).

    OpenCV decodes it; Pillow reads what OpenCV cannot (some '.jpg' files are GIFs). UserError if
    neither can.
    """
    import cv2
    import numpy as np

    try:
        data = np.fromfile(os.fspath(path), np.uint8)
    except OSError as err:
        raise UserError(f"cannot read image {path}: {err.strerror}; check the path and permissions") from err
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is not None:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, ValueError):
        raise UserError(f"cannot decode image {path}: pass a PNG, JPEG, BMP, WebP or TIFF file") from None


def load_images(
    paths: Iterable[str | os.PathLike[str]], *, max_side: int | None = None, label: str | None = None
) -> list[np.ndarray]:
    """Read every image, downscaled so its long side is at most ``max_side`` (if given); with a ``label``,
    a progress bar shows the reading.

    Unreadable files are skipped with one warning; UserError if none of them can be read.
    """
    if max_side is not None and max_side < 1:
        raise UserError(f"max_side must be a positive number of pixels, got {max_side}")
    paths = list(paths)
    images, bad = [], []
    for path in progress(paths, label=label, unit="image") if label else paths:
        try:
            image = read_image(path)
        except UserError:
            bad.append(Path(path).name)
            continue
        images.append(image if max_side is None else fit_long_side(image, max_side))
    if bad:
        more = ", ..." if len(bad) > 3 else ""
        names = ", ".join(bad[:3]) + more
        _log.warning("skipped %d unreadable image(s) of %d: %s", len(bad), len(paths), names)
    if paths and not images:
        raise UserError(f"none of the {len(paths)} images could be read: check that they are image files")
    return images


def fit_long_side(image: np.ndarray, side: int | None, *, enlarge: bool = False) -> np.ndarray:
    """``image`` resized so that its long side is ``side``: area filter when shrinking, bilinear when
    enlarging. Without ``enlarge`` a smaller image is returned as it is; ``side=None`` changes nothing."""
    import cv2

    if side is None:
        return image
    height, width = image.shape[:2]
    if max(height, width) == side or (max(height, width) < side and not enlarge):
        return image
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
