"""The shipped segment weights: they load as CamVid's classes, segment real street scenes well, and
`dldemo run segment` works on them with no arguments."""

import pytest

from dldemo.apps.segment import APP
from dldemo.apps.segment.datasets import camvid
from dldemo.apps.segment.evaluate import evaluate_split
from dldemo.apps.segment.labels import CAMVID
from dldemo.apps.segment.predict import Segmenter
from dldemo.apps.segment.samples import sample_photos
from dldemo.shared.errors import UserError
from dldemo.shared.live import read_video_frames

from .test_cli import dldemo

pytestmark = pytest.mark.skipif(not APP.weights.exists(), reason="no shipped segment weights in assets/")


def test_shipped_model_segments_camvid_val_scenes():
    try:
        split = camvid("val")
    except UserError as missing:
        pytest.skip(f"needs CamVid under DLDEMO_DATA: {missing}")
    segmenter = Segmenter.from_preset()
    assert segmenter.labels == CAMVID
    assert segmenter.model.get_layer("stride16")  # the EfficientNet-Lite0 encoder
    scores = evaluate_split(segmenter, split, limit=12)
    assert scores["pixel_accuracy"] > 85  # percent, as every score
    assert scores["miou"] > 67  # 70.9 on these 12 frames; the SqueezeNet model shipped before: 66.1
    assert scores["per_class_iou"]["Road"] > 85 and scores["per_class_iou"]["Sky"] > 85


def test_run_with_no_arguments_writes_the_samples_video(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dldemo("run", "segment") == 0
    videos = list((tmp_path / "out").glob("segment-*.mp4"))
    assert len(videos) == 1
    assert len(read_video_frames(videos[0])) == 3 * len(sample_photos())  # each still held 3 s at 1 fps
