"""Display detection and the choice between window and MP4 output."""

import re

import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.live import Mp4Sink, has_camera, has_display, open_sink, read_video_frames
from dldemo.shared.live.sinks import key_name, least_banded_size


def test_has_display_follows_env(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("DLDEMO_HEADLESS", "1")
    assert has_display() is False
    monkeypatch.delenv("DLDEMO_HEADLESS")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert has_display() is False
    monkeypatch.setattr("sys.platform", "darwin")
    assert has_display() is True


def test_has_camera_is_false_without_device():
    assert has_camera(93) is False


def test_headless_default_sink_writes_timestamped_mp4(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLDEMO_HEADLESS", "1")
    sink = open_sink(None, fps=3, title="my app")
    assert isinstance(sink, Mp4Sink) and not sink.interactive
    assert sink.write(np.zeros((20, 30, 3), np.uint8)) is None
    assert sink.wait_key(10) is None
    path = sink.close()
    assert re.fullmatch(r"out/my-app-\d{8}-\d{6}\.mp4", path.as_posix())
    assert len(read_video_frames(tmp_path / path)) == 1


def test_output_path_folder_and_bad_suffix(tmp_path):
    sink = open_sink(tmp_path / "clip.mp4", fps=2, title="t", force_video=True)
    assert sink.close() is None  # nothing written, no file
    assert not (tmp_path / "clip.mp4").exists()
    sink = open_sink(tmp_path / "videos", fps=2, title="seg")
    sink.write(np.zeros((8, 8, 3), np.uint8))
    path = sink.close()
    assert path.parent == tmp_path / "videos" and path.name.startswith("seg-") and path.exists()
    with pytest.raises(UserError, match=r"\.mp4"):
        open_sink(tmp_path / "clip.gif", fps=2, title="t")


@pytest.mark.parametrize(
    ("code", "name"),
    [(-1, None), (27, "q"), (ord("q"), "q"), (32, "space"), (ord("S"), "s"), (ord("o"), "o")],
)
def test_key_names(code, name):
    assert key_name(code) == name


def test_a_slideshow_picks_the_frame_size_with_the_least_empty_bands(tmp_path):
    portrait, landscape = np.full((120, 80, 3), 200, np.uint8), np.full((60, 160, 3), 90, np.uint8)
    sink = open_sink(tmp_path / "stills.mp4", fps=1, title="t", still_hold=3)
    for frame in (portrait, landscape, landscape):  # two landscapes: their own size wastes the least
        assert sink.write(frame) is None
    frames = read_video_frames(sink.close())
    assert len(frames) == 3 * 3 and frames[0].shape == (60, 160, 3)
    assert abs(int(frames[-1][30, 80, 0]) - 90) < 8  # a landscape fills its frame, no bands


def test_least_banded_size_weighs_every_still():
    assert least_banded_size([(100, 100), (100, 300), (100, 300)]) == (100, 300)
    assert least_banded_size([(100, 100), (100, 100), (100, 300)]) == (100, 100)
