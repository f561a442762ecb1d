"""Offline inputs for `dldemo run segment`: CamVid test frames when the dataset is installed, else four
CamVid validation frames bundled in assets/segment/samples (street scenes, CC BY-NC 4.0: see NOTICE.md)."""

from __future__ import annotations

import numpy as np

from dldemo.assets import ASSETS_DIR
from dldemo.shared.data import data_root, list_images, read_image
from dldemo.shared.errors import UserError

BUNDLED = ASSETS_DIR / "segment" / "samples"
CAMVID_SAMPLES = 24  # every 10th CamVid test frame


def sample_photos() -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8) pairs: street scenes from CamVid's test split if present, else the bundled ones."""
    try:
        paths = list_images(data_root(None) / "camvid" / "test" / "images")[::10][:CAMVID_SAMPLES]
    except UserError:
        paths = list_images(BUNDLED)
    return [(p.stem, read_image(p)) for p in paths]
