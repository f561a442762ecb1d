"""What a browser sends, checked: pictures of a sane size and kind, text of a sane length.

Each check raises ``refused(...)``, a ``gradio.Error`` with one sentence saying what was wrong and what to do:
the page shows it in place of a result, the tab stays usable, and the server's log stays clean.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import gradio as gr
import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_MEGAPIXELS = 40  # larger pictures are refused before they are decoded
MAX_UPLOAD_BYTES = "25mb"  # refused by the server before it is stored


def refused(message: str) -> gr.Error:
    """The error the page shows for bad input (the user's mistake: no traceback in the server's log)."""
    return gr.Error(message, print_exception=False)


def shrink(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` scaled down (never up) so that its long side is at most ``max_side``."""
    scale = max_side / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def as_photo(image: np.ndarray) -> np.ndarray:
    """An RGB uint8 array from what an image component gives (grey, RGBA or RGB)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


def read_upload(path: str | Path, max_side: int) -> np.ndarray:
    """The uploaded picture at ``path`` as RGB uint8, shrunk to ``max_side``; refuses files that are not
    pictures and pictures too large to decode safely, reading only their header for the check."""
    not_a_picture = refused(
        f"That file is not a picture this page can read ({Path(path).suffix or 'no extension'}): "
        "upload a JPEG, PNG, WebP or BMP photo."
    )
    try:
        picture = Image.open(path)
    except (UnidentifiedImageError, OSError) as error:
        raise not_a_picture from error
    with picture:
        width, height = picture.size
        if width * height > MAX_UPLOAD_MEGAPIXELS * 1_000_000:
            raise refused(
                f"The picture is {width}x{height} pixels; the page takes up to "
                f"{MAX_UPLOAD_MEGAPIXELS} megapixels: shrink it and upload it again."
            )
        try:
            picture.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale when it can
            rgb = np.asarray(picture.convert("RGB"))
        except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
            raise not_a_picture from error
    return shrink(rgb, max_side)


def checked_text(text: str | None, *, max_chars: int, what: str) -> str:
    """``text`` stripped; refuses empty text and text longer than ``max_chars``."""
    text = (text or "").strip()
    if not text:
        raise refused(f"Type {what} first.")
    if len(text) > max_chars:
        raise refused(
            f"That is {len(text):,} characters; the model takes up to {max_chars} at a time: "
            "shorten it or split it into sentences."
        )
    return text
