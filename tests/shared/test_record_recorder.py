"""TrainingRecorder: each panel held for `hold` frames, under a readable caption."""

import numpy as np
import pytest

from dldemo.shared.live import read_video_frames
from dldemo.shared.record import TrainingRecorder, captioned


def test_frames_are_held_and_captioned(tmp_path):
    recorder = TrainingRecorder(tmp_path / "rec" / "train.mp4", fps=2.0, hold=3)
    for value in (0, 120, 240):
        recorder.add(np.full((100, 160, 3), value, np.uint8), f"epoch {value // 120} · PSNR 23.1 dB")
    assert recorder.frames_written == 9
    path = recorder.close()
    assert path == tmp_path / "rec" / "train.mp4"
    frames = read_video_frames(path)
    assert len(frames) == 9
    # 160 px wide panels are enlarged 3x to reach the 480 px minimum; the caption bar sits below
    assert frames[0].shape[1] == 480 and frames[0].shape[0] > 300
    assert abs(frames[3][:300].mean() - 120) < 6 and abs(frames[8][:300].mean() - 240) < 6
    bar = frames[8][300:]
    assert bar.mean() < 80 and bar.max() > 200  # dark bar with light text


def test_captioned_shrinks_long_captions_and_keeps_wide_panels():
    panel = np.zeros((50, 800, 3), np.uint8)
    out = captioned(panel, "x" * 300)
    assert out.shape[1] == 800 and (out[:50] == 0).all()
    assert out[50:, -8:].max() < 100  # the text stops before the right edge


def test_hold_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="hold"):
        TrainingRecorder(tmp_path / "x.mp4", hold=0)
