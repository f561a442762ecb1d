"""Bundled sample photos for the live demos, offline: scikit-image's own colour photos."""

from __future__ import annotations

import numpy as np

SAMPLE_NAMES = ("astronaut", "coffee", "chelsea", "rocket")


def sample_photos(names: tuple[str, ...] = SAMPLE_NAMES) -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8) pairs shipped inside the scikit-image wheel (a grey photo as RGB; of a stereo
    pair, the left view)."""
    return [(name, _photo(name)) for name in names]


def _photo(name: str) -> np.ndarray:
    import skimage.data

    image = getattr(skimage.data, name)()
    if isinstance(image, tuple):
        image = image[0]
    return np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image[..., :3]
