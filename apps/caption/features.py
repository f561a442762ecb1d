"""Photos in, CNN feature grids out: the squash to a square, batched encoding, and the on-disk cache.

Training runs the frozen CNN over every photo once and keeps the grids (float16) in the per-user cache
folder, keyed by the CNN and its weights, the grid and the files' names, sizes and dates: a CPU epoch then
only costs the decoder, and a second run on the same data starts at once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from dldemo.shared.data.images import read_image
from dldemo.shared.progress import Progress
from dldemo.shared.train.checkpoint import atomic_path

ENCODE_BATCH = 32


def squash(image: np.ndarray, side: int) -> np.ndarray:
    """An RGB image resized to side x side without keeping its aspect ratio, as Flickr8k's 224 px copies
    were made (so webcam frames look to the model like its training photos)."""
    if image.shape[:2] == (side, side):
        return image
    shrink = image.shape[0] > side and image.shape[1] > side
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def encode_images(cnn, images: Sequence[np.ndarray]) -> np.ndarray:
    """Feature grids (N, L, C) float32 of RGB images, squashed to the CNN's input side."""
    side = cnn.input_shape[1]
    batch = np.stack([squash(image, side) for image in images]).astype("float32")
    return np.asarray(cnn.predict_on_batch(batch), dtype="float32")


def cache_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "dldemo" / "caption-features"


def cache_key(cnn, encoder: str, grid: int, paths: Sequence[Path]) -> str:
    """The CNN (its weights too: a rounded or fine-tuned copy gives other grids) and the photos' files."""
    digest = hashlib.sha256(f"{encoder} {grid}".encode())
    for weights in cnn.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    for path in paths:
        stat = path.stat()
        digest.update(f"\n{path.resolve()} {stat.st_size} {stat.st_mtime_ns}".encode())
    return f"{encoder}-{grid}x{grid}-{len(paths)}-{digest.hexdigest()[:16]}"


def cached_features(cnn, encoder: str, grid: int, paths: Sequence[Path], what: str) -> np.ndarray:
    """The float16 feature grids (N, L, C) of the photos at ``paths``, from the cache or computed now."""
    path = cache_folder() / f"{cache_key(cnn, encoder, grid, paths)}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    features = None
    with Progress(len(paths), label=f"caption: encoding {what}", unit="photo") as bar:
        for start in range(0, len(paths), ENCODE_BATCH):
            chunk = paths[start : start + ENCODE_BATCH]
            grids = encode_images(cnn, [read_image(p) for p in chunk]).astype(np.float16)
            if features is None:
                features = np.empty((len(paths), *grids.shape[1:]), np.float16)
            features[start : start + len(chunk)] = grids
            bar.update(len(chunk))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, features, allow_pickle=False)
    return features
