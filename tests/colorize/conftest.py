"""Fixtures for the colorize tests: a small folder of real colour photos made from scikit-image's."""

import cv2
import numpy as np
import pytest
import skimage.data


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory):
    """12 colour crops (96x128) of scikit-image's bundled photos, as PNG files."""
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    photos = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea(), skimage.data.rocket()]
    for i in range(12):
        photo = photos[i % len(photos)]
        top = int(rng.integers(0, photo.shape[0] - 192))
        left = int(rng.integers(0, photo.shape[1] - 256))
        crop = cv2.resize(photo[top : top + 192, left : left + 256], (128, 96), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"photo{i:02d}.png"), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    return folder
