"""HUD text and panel layouts."""

import numpy as np
import pytest

from dldemo.shared.live import as_rgb, draw_hud, grid, hud, side_by_side


def test_draw_hud_darkens_its_corner_and_leaves_input_alone():
    frame = np.full((240, 320, 3), 200, np.uint8)
    out = draw_hud(frame, ["colorize", "12.0 FPS", "epoch 3 · PSNR 23.1 dB"])
    assert out.shape == frame.shape and (frame == 200).all()
    assert out[:60, :120].mean() < 150  # dark box with white text
    assert (out[-60:, -60:] == 200).all()  # far corner untouched
    assert out[:60, :120].max() > 230  # the text
    bottom = draw_hud(frame, ["x"], corner="bottom-right")
    assert bottom[-20:, -20:].mean() < 150 and (bottom[:40, :40] == 200).all()
    assert (draw_hud(frame, []) == frame).all()
    with pytest.raises(ValueError, match="corner"):
        draw_hud(frame, ["x"], corner="middle")


def test_draw_hud_fits_tiny_frames():
    assert draw_hud(np.zeros((20, 30, 3), np.uint8), ["a very long line of text"] * 5).shape == (20, 30, 3)


def test_side_by_side_keeps_aspect_at_one_height():
    a = np.zeros((100, 50, 3), np.uint8)
    b = np.full((50, 100), 255, np.uint8)  # grey, half the height
    out = side_by_side([a, b], gap=4)
    assert out.shape == (100, 50 + 4 + 200, 3)
    assert out[:, 60:].min() == 255 and out[:, :50].max() == 0
    assert side_by_side([a, b], height=40).shape == (40, 20 + 4 + 80, 3)
    labelled = side_by_side([a, b], ["input", "output"])
    assert labelled.shape[0] > 100 and labelled.shape[1] == 254
    assert (labelled[-100:] == out).all()  # labels go on a strip above
    with pytest.raises(ValueError, match="labels"):
        side_by_side([a, b], ["one"])


def test_grid_rows_and_padding():
    panels = [np.full((30, 40, 3), i * 50, np.uint8) for i in range(5)]
    out = grid(panels, columns=2, gap=2)
    assert out.shape == (3 * 30 + 2 * 2, 2 * 40 + 2, 3)
    assert (out[-30:, :40] == 200).all()  # fifth panel, bottom left
    assert grid(panels, 3, [str(i) for i in range(5)]).shape[1] == 3 * 40 + 2 * 4


def test_as_rgb_conversions():
    assert as_rgb(np.array([[0.0, 1.0, 2.0]]))[0, :, 0].tolist() == [0, 255, 255]
    assert as_rgb(np.array([[True, False]]))[0, :, 1].tolist() == [255, 0]
    assert as_rgb(np.zeros((4, 4, 1), np.uint8)).shape == (4, 4, 3)


@pytest.mark.parametrize("unicode_font", [True, False])
def test_middle_dot_is_drawn_with_either_font(monkeypatch, unicode_font):
    monkeypatch.setattr(hud, "_UNICODE", unicode_font)  # False: OpenCV 4's ASCII-only Hershey fonts
    dotted, spaced = np.zeros((40, 200, 3), np.uint8), np.zeros((40, 200, 3), np.uint8)
    hud.put_text(dotted, "a · b", (5, 30), 0.8, (255, 255, 255))
    hud.put_text(spaced, "a   b", (5, 30), 0.8, (255, 255, 255))
    assert (dotted != spaced).any(axis=2).sum() > 4
    assert abs(hud.text_size("a · b", 0.8)[0] - hud.text_size("a   b", 0.8)[0]) < 12
