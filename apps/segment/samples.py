"""Offline inputs for `dldemo run segment`: CamVid test frames when the dataset is installed, else
scikit-image's bundled colour photos (no street scenes, so the model has little to recognise there)."""

from __future__ import annotations

import numpy as np

from dldemo.shared.data import data_root, list_images, read_image
from dldemo.shared.data.samples import sample_photos as skimage_photos
from dldemo.shared.errors import UserError

SKIMAGE_NAMES = ("rocket", "astronaut", "coffee", "chelsea")
CAMVID_SAMPLES = 24  # every 10th CamVid test frame


def sample_photos() -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8) pairs: street scenes from CamVid's test split if present, else skimage's photos."""
    folder = data_root(None) / "camvid" / "test" / "images"
    try:
        paths = list_images(folder)[::10][:CAMVID_SAMPLES]
    except UserError:
        print(
            "segment: CamVid is not installed, so the samples are scikit-image photos, not street scenes; "
            "`dldemo data fetch camvid` gets street scenes"
        )
        return skimage_photos(SKIMAGE_NAMES)
    return [(p.stem, read_image(p)) for p in paths]
