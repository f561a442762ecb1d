"""Mp4Writer writes browser-playable H.264 that decodes back to the frames written."""

import re
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from dldemo.shared.live import Mp4Writer, read_video_frames


def _meta(path) -> dict:
    """Codec, pixel format and frame rate of the video stream, as ffmpeg reports them (read directly: the
    readers of imageio-ffmpeg fork with a preexec_fn, which JAX warns about)."""
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                           capture_output=True, text=True)  # fmt: skip
    stream = re.search(r"Video: (\w+).*?, (\w+)\(.*?, ([\d.]+) fps", probe.stderr)
    assert stream, probe.stderr
    return {"codec": stream[1], "pix_fmt": stream[2], "fps": float(stream[3])}


def test_odd_size_is_padded_to_even_and_colours_survive(tmp_path):
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (128, 128, 128), (250, 250, 10)]
    with Mp4Writer(tmp_path / "sub" / "odd.mp4", fps=5) as writer:
        for colour in colours:
            writer.write(np.full((61, 83, 3), colour, np.uint8))
    assert writer.frames_written == 5
    frames = read_video_frames(tmp_path / "sub" / "odd.mp4")
    assert len(frames) == 5
    for frame, colour in zip(frames, colours, strict=True):
        assert frame.shape == (62, 84, 3)
        # the padding row/column is black; the image itself keeps its colour (H.264 is lossy)
        np.testing.assert_allclose(frame[:60, :82].reshape(-1, 3).mean(0), colour, atol=8)


def test_h264_yuv420p_at_the_requested_fps(tmp_path):
    path = tmp_path / "v.mp4"
    writer = Mp4Writer(path, fps=12.5)
    for i in range(7):
        writer.write(np.full((48, 64, 3), i * 30, np.uint8))
    assert writer.close() == path
    meta = _meta(path)
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["fps"] == pytest.approx(12.5)
    assert len(read_video_frames(path)) == 7


def test_later_frames_of_another_size_are_fitted_to_the_first(tmp_path):
    path = tmp_path / "sizes.mp4"
    with Mp4Writer(path, fps=2) as writer:
        writer.write(np.full((40, 80, 3), 255, np.uint8))
        writer.write(np.full((80, 80, 3), 255, np.uint8))  # square into 40x80: letterboxed
    first, second = read_video_frames(path)
    assert first.shape == second.shape == (40, 80, 3)
    assert second[:, 35:45].mean() > 200  # centre: the image
    assert second[:, :15].mean() < 40  # sides: black bars


def test_rejects_non_rgb_uint8_frames(tmp_path):
    writer = Mp4Writer(tmp_path / "bad.mp4", fps=2)
    with pytest.raises(ValueError, match="RGB uint8"):
        writer.write(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        writer.write(np.zeros((10, 10, 3), np.float32))
    assert writer.close() == tmp_path / "bad.mp4"
    assert not (tmp_path / "bad.mp4").exists()
