"""list_images, read_image, load_images and fit_long_side on small images written to tmp_path."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from dldemo.shared.data import fit_long_side, list_images, load_images, read_image
from dldemo.shared.errors import UserError


def write(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """b.png, a.JPG, sub/c.jpeg and two files that are not images."""
    red_bgr = np.zeros((20, 40, 3), np.uint8)
    red_bgr[..., 2] = 255
    write(tmp_path / "b.png", red_bgr)
    write(tmp_path / "a.JPG", red_bgr)
    write(tmp_path / "sub" / "c.jpeg", red_bgr)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "sub" / "jpg").mkdir()
    return tmp_path


def test_list_images_in_folder_is_recursive_and_sorted(folder: Path) -> None:
    assert list_images(folder) == [folder / "a.JPG", folder / "b.png", folder / "sub" / "c.jpeg"]


def test_list_images_glob(folder: Path) -> None:
    assert list_images(str(folder / "*.png")) == [folder / "b.png"]
    assert list_images(str(folder / "**" / "*.jp*g")) == [folder / "sub" / "c.jpeg"]


def test_list_images_single_file(folder: Path) -> None:
    assert list_images(folder / "b.png") == [folder / "b.png"]


@pytest.mark.parametrize("source", ["notes.txt", "missing.png", "empty", "*.gif"])
def test_list_images_finds_nothing(folder: Path, source: str) -> None:
    (folder / "empty").mkdir()
    with pytest.raises(UserError, match="no images found") as err:
        list_images(folder / source)
    assert "\n" not in str(err.value)


def test_read_image_returns_rgb_uint8(folder: Path) -> None:
    image = read_image(folder / "b.png")
    assert image.dtype == np.uint8 and image.shape == (20, 40, 3)
    assert image[0, 0].tolist() == [255, 0, 0]


def test_read_image_converts_grey_and_rgba(tmp_path: Path) -> None:
    grey = read_image(write(tmp_path / "grey.png", np.full((8, 6), 100, np.uint8)))
    rgba = read_image(write(tmp_path / "rgba.png", np.full((8, 6, 4), 50, np.uint8)))
    assert grey.shape == (8, 6, 3) and (grey == 100).all()
    assert rgba.shape == (8, 6, 3)


def test_read_image_falls_back_to_pillow_and_reads_non_ascii_paths(tmp_path: Path) -> None:
    from PIL import Image

    gif = tmp_path / "really-a-gif.jpg"  # as some Oxford-IIIT Pet files are
    Image.new("RGB", (5, 4), (0, 0, 255)).save(gif, format="GIF")
    assert read_image(gif).shape == (4, 5, 3) and read_image(gif)[0, 0].tolist() == [0, 0, 255]
    named = write(tmp_path / "café ünïcode.png", np.full((3, 3, 3), 7, np.uint8))
    assert (read_image(named) == 7).all()


def test_read_image_unreadable_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(UserError, match="cannot decode image"):
        read_image(tmp_path / "broken.jpg")
    with pytest.raises(UserError, match="cannot read image"):
        read_image(tmp_path / "absent.png")


def test_load_images_skips_unreadable_with_one_warning(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("x1.jpg", "x2.png", "x3.jpg", "x4.jpg"):
        (folder / name).write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING):
        images = load_images(list_images(folder))
    assert len(images) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "skipped 4 unreadable image(s) of 7: x1.jpg, x2.png, x3.jpg, ..." in warnings[0]


def test_load_images_downscales_to_max_side(tmp_path: Path) -> None:
    wide = write(tmp_path / "wide.png", np.zeros((200, 400, 3), np.uint8))
    small = write(tmp_path / "small.png", np.zeros((30, 20, 3), np.uint8))
    images = load_images([wide, small], max_side=100)
    assert [im.shape for im in images] == [(50, 100, 3), (30, 20, 3)]


def test_load_images_with_nothing_readable(tmp_path: Path) -> None:
    (tmp_path / "bad.jpg").write_bytes(b"garbage")
    with pytest.raises(UserError, match="none of the 1 images could be read"):
        load_images([tmp_path / "bad.jpg"])
    with pytest.raises(UserError, match="max_side must be a positive"):
        load_images([tmp_path / "bad.jpg"], max_side=0)
    assert load_images([]) == []


def test_fit_long_side_shrinks_keeps_or_enlarges() -> None:
    wide = np.zeros((100, 300, 3), np.uint8)
    assert fit_long_side(wide, 150).shape == (50, 150, 3)
    assert fit_long_side(wide, 600) is wide  # never enlarges unless asked
    assert fit_long_side(wide, 600, enlarge=True).shape == (200, 600, 3)
    assert fit_long_side(wide, None) is wide and fit_long_side(wide, 300) is wide
    assert fit_long_side(np.zeros((1, 900), np.uint8), 300).shape == (1, 300)  # never 0 pixels
