"""The live segment view: overlay, legend, class shares and the `o` key that steps the opacity."""

import numpy as np
import pytest

from dldemo.apps.segment import live
from dldemo.apps.segment.labels import CAMVID
from dldemo.apps.segment.predict import paint


class FixedSegmenter:
    """Stands in for a network: left half Road, right half Car."""

    labels = CAMVID

    def segment(self, frame: np.ndarray, max_side: int | None = None) -> np.ndarray:
        labels = np.full(frame.shape[:2], CAMVID.names.index("Road"), np.uint8)
        labels[:, frame.shape[1] // 2 :] = CAMVID.names.index("Car")
        return labels


@pytest.fixture
def live_loop(monkeypatch):
    """Runs run_segment with run_live captured: returns its process function and keys."""
    captured = {}

    def fake_run_live(**kwargs):
        captured.update(kwargs)

    monkeypatch.setattr(live, "run_live", fake_run_live)
    frame = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    monkeypatch.setattr(live, "sample_photos", lambda: [("noise", frame)])
    live.run_segment(FixedSegmenter(), source="samples", output=None, max_frames=1)
    return captured["process"], captured["keys"], frame


def test_o_steps_the_overlay_opacity_through_mask_only_and_image_only(live_loop):
    process, keys, frame = live_loop
    expected_mask = paint(FixedSegmenter().segment(frame), CAMVID.palette)
    first, _ = process(frame)
    blended = first[:, : frame.shape[1]]
    assert not np.array_equal(blended, frame) and not np.array_equal(blended, expected_mask)
    assert keys["o"]() == "overlay opacity 100%"
    np.testing.assert_array_equal(process(frame)[0][:, : frame.shape[1]], expected_mask)
    assert keys["o"]() == "overlay opacity 0%"
    np.testing.assert_array_equal(process(frame)[0][:, : frame.shape[1]], frame)
    for _ in range(len(live.OPACITIES) - 2):  # back to the first opacity
        keys["o"]()
    np.testing.assert_array_equal(process(frame)[0], first)


def test_the_legend_sits_beside_the_frame_with_every_class_colour(live_loop):
    process, _, frame = live_loop
    panel, lines = process(frame)
    assert panel.shape[0] == frame.shape[0] and panel.shape[1] > frame.shape[1]
    legend = panel[:, frame.shape[1] :]
    colours = {tuple(c) for c in legend.reshape(-1, 3)}
    assert all(tuple(c) in colours for c in CAMVID.palette)
    assert not any("opacity" in line for line in lines)  # the key's help is the loop's, in a window only


def test_class_shares_are_pixel_fractions():
    labels = np.array([[0, 0, 3, 3], [3, 3, 3, 10]], np.uint8)
    shares = live.class_shares(labels, CAMVID.num_classes)
    assert shares.shape == (CAMVID.num_classes,) and shares.sum() == pytest.approx(1.0)
    assert shares[3] == pytest.approx(5 / 8) and shares[0] == pytest.approx(2 / 8)


def test_without_camvid_the_samples_are_the_bundled_street_scenes(tmp_path, monkeypatch):
    from dldemo.apps.segment.samples import sample_photos

    monkeypatch.setenv("DLDEMO_DATA", str(tmp_path))
    photos = sample_photos()
    assert len(photos) == 4 and all(name.startswith("camvid-") for name, _ in photos)
    assert all(image.shape == (360, 480, 3) for _, image in photos)
