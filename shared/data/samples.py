"""Bundled sample photos for the live demos, offline: scikit-image's own colour photos."""

from __future__ import annotations

import numpy as np

SAMPLE_NAMES = ("astronaut", "coffee", "chelsea", "rocket")


def sample_photos(names: tuple[str, ...] = SAMPLE_NAMES) -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8) pairs shipped inside the scikit-image wheel."""
    import skimage.data

    return [(name, getattr(skimage.data, name)()[..., :3]) for name in names]
