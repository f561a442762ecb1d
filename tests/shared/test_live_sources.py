"""open_source finds frames in samples, images, folders, globs and videos, and says clearly when it can't."""

import cv2
import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.live import Mp4Writer, open_source


def _write_png(path, colour, size=(30, 40)):
    bgr = np.full((*size, 3), colour[::-1], np.uint8)
    assert cv2.imwrite(str(path), bgr)


@pytest.fixture
def folder(tmp_path):
    images = tmp_path / "imgs"
    images.mkdir()
    _write_png(images / "b.png", (0, 255, 0))
    _write_png(images / "a.png", (255, 0, 0))
    _write_png(images / "c.jpg", (0, 0, 255))
    (images / "notes.txt").write_text("not an image")
    return images


def test_folder_yields_sorted_rgb_stills(folder):
    source = open_source(str(folder))
    frames = list(source)
    assert (source.count, source.fps, source.is_still, source.is_live) == (3, 1.0, True, False)
    assert len(frames) == 3
    assert frames[0].dtype == np.uint8 and frames[0].shape == (30, 40, 3)
    assert tuple(frames[0][0, 0]) == (255, 0, 0)  # a.png first, and RGB (not BGR)
    assert list(source) and len(list(source)) == 3  # re-iterable


def test_glob_and_single_image(folder):
    assert len(list(open_source(str(folder / "*.png")))) == 2
    single = open_source(str(folder / "c.jpg"))
    assert single.count == 1 and single.name == "c.jpg"
    (frame,) = list(single)
    assert frame[..., 2].mean() > 200 and frame[..., 0].mean() < 50


def test_video_file_frames_and_fps(tmp_path):
    path = tmp_path / "clip.mp4"
    with Mp4Writer(path, fps=8) as writer:
        for i in range(6):
            writer.write(np.full((32, 48, 3), 40 * i, np.uint8))
    source = open_source(str(path))
    frames = list(source)
    assert len(frames) == 6 and frames[0].shape == (32, 48, 3)
    assert source.fps == pytest.approx(8) and source.count == 6
    assert not source.is_still and not source.is_live
    assert frames[5].mean() > frames[1].mean() + 100


def test_samples_and_max_side():
    samples = [("x", np.zeros((200, 100, 3), np.uint8)), ("y", np.ones((50, 50), np.uint8) * 255)]
    source = open_source(None, samples=samples, max_side=64)
    frames = list(source)
    assert source.count == 2 and source.fps == 1.0 and source.is_still
    assert frames[0].shape == (64, 32, 3)  # shrunk, aspect kept
    assert frames[1].shape == (50, 50, 3)  # grey to RGB, never enlarged
    assert len(list(open_source("samples", samples=samples))) == 2


def test_default_is_the_webcam_when_there_is_one(monkeypatch):
    from dldemo.shared.live import sources

    samples = [("x", np.zeros((8, 8, 3), np.uint8))]
    monkeypatch.setattr(sources, "has_camera", lambda index=0: True)
    monkeypatch.setattr(sources, "_camera_source", lambda index, max_side: f"webcam {index}")
    assert open_source(None, samples=samples) == "webcam 0"
    monkeypatch.setattr(sources, "has_camera", lambda index=0: False)
    assert open_source(None, samples=samples).is_still


def test_errors_are_user_errors(tmp_path, folder):
    with pytest.raises(UserError, match="camera 97 could not be opened"):
        open_source("97")
    with pytest.raises(UserError, match="camera 98"):
        open_source(98)
    with pytest.raises(UserError, match="no images match"):
        open_source(str(tmp_path / "*.webp"))
    with pytest.raises(UserError, match="not found"):
        open_source(str(tmp_path / "missing.mp4"))
    with pytest.raises(UserError, match="camera 0 could not be opened"):
        open_source(None)  # no samples: the default is the webcam
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="has no images"):
        open_source(str(tmp_path / "empty"))
    (folder / "broken.png").write_bytes(b"not a png")
    with pytest.raises(UserError, match="cannot decode image"):
        list(open_source(str(folder / "broken.png")))
    with pytest.raises(UserError, match="cannot open video"):
        (tmp_path / "broken.mp4").write_bytes(b"junk")
        open_source(str(tmp_path / "broken.mp4"))
