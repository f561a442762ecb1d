"""The shipped captioner: it loads offline, describes the bundled photos, scores on Flickr8k dev what its
provenance says, and `dldemo run caption` works with no arguments."""

import json
import os

import pytest

from dldemo.apps.caption import APP
from dldemo.apps.caption.captioner import Captioner
from dldemo.apps.caption.live import SAMPLES
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.live import read_video_frames
from tests.cli import dldemo

pytestmark = pytest.mark.skipif(not APP.has_weights, reason="no shipped caption weights in assets/")
PROVENANCE = APP.weights.with_suffix(".json")


@pytest.fixture(scope="module")
def captioner() -> Captioner:
    return Captioner.from_preset()


def test_the_bundled_photos_get_fluent_different_captions(captioner):
    captions = captioner.caption([photo for _, photo in sample_photos(SAMPLES)])
    texts = [c.text for c in captions]
    assert len(set(texts)) == len(texts), texts
    for caption in captions:
        assert 4 <= len(caption.words) <= 20 and caption.words[0] in ("a", "an", "the", "two"), texts
        assert all(a != b for a, b in zip(caption.words, caption.words[1:], strict=False)), texts  # no "a a"


@pytest.mark.dataset
def test_the_dev_scores_match_the_provenance(captioner, capsys):
    if not os.environ.get("DLDEMO_DATA"):
        pytest.skip("needs Flickr8k: set DLDEMO_DATA to a data root that has it")
    shipped = json.loads(PROVENANCE.read_text())["dev_first_200"]
    args = ["--split", "dev", "--limit", 200, "--beam", shipped["beam"], "--json"]
    assert dldemo("eval", "caption", *args) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("bleu4", "cider"):
        assert scores[key] == pytest.approx(shipped[key], abs=0.05), key


def test_run_with_no_arguments_writes_the_samples_video(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dldemo("run", "caption") == 0
    videos = list((tmp_path / "out").glob("caption-*.mp4"))
    assert len(videos) == 1 and len(read_video_frames(videos[0])) == 3 * len(sample_photos(SAMPLES))
