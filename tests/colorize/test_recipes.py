"""Which photos the shipped recipe trains and validates on, on a made-up data root."""

import cv2
import numpy as np

from dldemo.apps.colorize.recipes import recipe_photos


def _photos(folder, names, side=8):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cv2.imwrite(str(folder / name), np.full((side, side, 3), 128, np.uint8))


def _data_root(tmp_path, full_size_folder):
    _photos(tmp_path / "bsds500" / "train", ["b1.jpg"])
    _photos(tmp_path / "bsds500" / "val", ["v1.jpg", "v2.jpg", "v3.jpg"])
    _photos(tmp_path / "camvid" / "train" / "images", ["c1.png"])
    _photos(tmp_path / "camvid" / "train" / "labels", ["c1.png"])
    for split in ("val", "test"):
        for kind in ("images", "labels"):
            _photos(tmp_path / "camvid" / split / kind, ["x.png"])
    (tmp_path / "camvid" / "classes.txt").write_text("Sky\n")
    flickr = tmp_path / "flickr8k"
    _photos(flickr / "images224", ["tr1.jpg", "tr2.jpg", "dev1.jpg", "dev2.jpg", "none.jpg"])
    _photos(flickr / full_size_folder, ["tr1.jpg", "dev1.jpg", "te1.jpg"], side=16)
    text = flickr / "text"
    text.mkdir()
    lists = {"train": "tr1.jpg tr2.jpg", "dev": "dev1.jpg dev2.jpg", "test": "te1.jpg te2.jpg"}
    for split, names in lists.items():
        (text / f"Flickr_8k.{split}Images.txt").write_text(names.replace(" ", "\n"))
    (text / "Flickr8k.token.txt").write_text("tr1.jpg#0\ta caption\n")
    return tmp_path


def test_flickr8k_outside_dev_and_test_trains_at_full_size_where_there_is_a_copy(tmp_path):
    for full_size in ("images", "Flicker8k_Dataset"):  # the reference copy's folder, a full fetch's
        root = _data_root(tmp_path / full_size, full_size)
        train, val = recipe_photos(str(root))
        flickr = root / "flickr8k"
        assert set(train) == {
            root / "bsds500" / "train" / "b1.jpg",
            root / "camvid" / "train" / "images" / "c1.png",
            flickr / full_size / "tr1.jpg",  # the full-size copy replaces the 224 px one
            flickr / "images224" / "tr2.jpg",
            flickr / "images224" / "none.jpg",  # on no list: trained on, as it is never scored
        }
        bsds = root / "bsds500" / "val"
        assert val == [
            bsds / "v1.jpg",
            flickr / full_size / "dev1.jpg",
            bsds / "v2.jpg",
            flickr / "images224" / "dev2.jpg",
            bsds / "v3.jpg",
        ]  # alternating, so the first few validation photos hold both datasets
