"""Fixtures for the caption tests: a Flickr8k-shaped dataset of coloured shapes ("a red circle"), on a data
root that borrows the real EfficientNet-Lite0 weights, and a feature cache private to the test session."""

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 230)}
SHAPES = ("circle", "square", "triangle")
SPLIT_FILES = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}


def shape_photo(rng: np.random.Generator, colour: str, shape: str, side: int = 224) -> np.ndarray:
    """An RGB photo of one filled shape at a random place and size on a noisy light background."""
    photo = rng.integers(190, 240, (side, side, 3)).astype(np.uint8)
    radius = int(rng.integers(side // 6, side // 3))
    cx, cy = (int(v) for v in rng.integers(radius, side - radius, 2))
    fill = COLOURS[colour]
    if shape == "circle":
        cv2.circle(photo, (cx, cy), radius, fill, -1)
    elif shape == "square":
        cv2.rectangle(photo, (cx - radius, cy - radius), (cx + radius, cy + radius), fill, -1)
    else:
        corners = np.array([(cx, cy - radius), (cx - radius, cy + radius), (cx + radius, cy + radius)])
        cv2.fillPoly(photo, [corners.astype(np.int32)], fill)
    return photo


def write_shapes_dataset(root: Path, counts: dict[str, int], seed: int = 0) -> dict[str, list[str]]:
    """``root``/flickr8k with ``counts[split]`` photos per split, each with 5 captions "a <colour> <shape>".
    Returns the caption of each photo by split."""
    folder = root / "flickr8k"
    (folder / "text").mkdir(parents=True)
    (folder / "images224").mkdir()
    rng = np.random.default_rng(seed)
    tokens, truth = [], {}
    for split, count in counts.items():
        names, truth[split] = [], []
        for i in range(count):
            colour, shape = list(COLOURS)[i % 3], SHAPES[(i // 3) % 3]
            name = f"{split}{i:03d}.jpg"
            photo = shape_photo(rng, colour, shape)
            cv2.imwrite(str(folder / "images224" / name), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
            names.append(name)
            truth[split].append(f"a {colour} {shape}")
            tokens += [f"{name}#{k}\tA {colour} {shape}." for k in range(5)]
        (folder / "text" / SPLIT_FILES[split]).write_text("\n".join(names) + "\n")
    for split in SPLIT_FILES:
        (folder / "text" / SPLIT_FILES[split]).touch()
    (folder / "text" / "Flickr8k.token.txt").write_text("\n".join(tokens) + "\n")
    return truth


@pytest.fixture(scope="session")
def weights_folder() -> Path:
    data = os.environ.get("DLDEMO_DATA")
    folder = Path(data) / "weights" if data else None
    if folder is None or not (folder / "efficientnet-lite0_imagenet.npz").is_file():
        pytest.skip("needs the EfficientNet-Lite0 weights: set DLDEMO_DATA to a data root that has them")
    return folder


@pytest.fixture(autouse=True)
def private_feature_cache(tmp_path_factory, monkeypatch):
    """Feature grids go to a folder of this test session, never the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def shapes(tmp_path_factory, weights_folder):
    """(data root, captions by split): 72 train, 18 dev and 18 test photos of coloured shapes."""
    root = tmp_path_factory.mktemp("shapes")
    truth = write_shapes_dataset(root, {"train": 72, "dev": 18, "test": 18})
    (root / "weights").symlink_to(weights_folder)
    return root, truth
