"""The caption app end to end on coloured shapes: train, eval (dev and test), run (photos to video, the
attention figure), record, bench, a checkpoint that captions in a fresh process, one-line user errors."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from dldemo.apps.caption.captioner import Captioner
from dldemo.shared.live import read_video_frames
from tests.caption.conftest import shape_photo
from tests.cli import dldemo


@pytest.fixture(scope="module")
def trained(shapes, tmp_path_factory):
    root, _ = shapes
    run = tmp_path_factory.mktemp("runs") / "shapes"
    args = ["--data", root, "--preset", "tiny", "--epochs", 12, "--learning-rate", 0.01]
    assert dldemo("train", "caption", "--run-dir", run, *args) == 0
    return run


def test_a_tiny_model_learns_to_caption_the_shapes(trained, shapes, capsys):
    root, truth = shapes
    history = [json.loads(line) for line in (trained / "metrics.jsonl").read_text().splitlines()]
    assert history[-1]["logits_loss"] < 0.5 * history[0]["logits_loss"], history
    assert dldemo("eval", "caption", "--weights", trained, "--data", root, "--split", "test", "--json") == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["images"] == 18 and scores["beam"] == 3 and scores["split"] == "test"
    assert scores["bleu1"] > 90 and scores["cider"] > 500, scores  # 3 words: BLEU-4 has no 4-grams
    captioner = Captioner.from_preset(trained)
    rng = np.random.default_rng(7)
    photos = [shape_photo(rng, c, s, side=300) for c, s in (("red", "circle"), ("blue", "triangle"))]
    assert [c.text for c in captioner.caption(photos, beam=1)] == ["a red circle", "a blue triangle"]


def test_attention_is_a_distribution_over_the_grid_for_every_word(trained):
    captioner = Captioner.from_preset(trained)
    caption = captioner.caption([shape_photo(np.random.default_rng(1), "green", "square")], beam=3)[0]
    assert caption.attention.shape == (len(caption.words) + 1, 7, 7)  # the words and the end
    np.testing.assert_allclose(caption.attention.sum(axis=(1, 2)), 1.0, atol=1e-5)
    assert caption.alternatives[0][0] == caption.text and len(caption.alternatives) == 3
    scores = [score for _, score in caption.alternatives]
    assert scores == sorted(scores, reverse=True)


def test_a_checkpoint_captions_in_a_new_process_without_the_encoder_weights(trained, tmp_path):
    photo = tmp_path / "shape.png"
    cv2.imwrite(
        str(photo), cv2.cvtColor(shape_photo(np.random.default_rng(3), "red", "square"), cv2.COLOR_RGB2BGR)
    )
    figure = tmp_path / "attention.png"
    env = {k: v for k, v in __import__("os").environ.items() if k != "DLDEMO_DATA"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dldemo.shared.cli import main; main()",
            "run",
            "caption",
            str(photo),
            "--weights",
            str(trained / "checkpoint.keras"),
            "--attention",
            str(figure),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env=env,
    )
    assert done.stdout.strip() == "a red square"
    image = cv2.imread(str(figure))
    assert image is not None and image.shape[1] > 4 * 100  # the photo and one panel per word and the end


def test_run_captions_a_folder_into_a_video_with_one_frame_per_photo(trained, shapes, tmp_path):
    root, _ = shapes
    video = tmp_path / "captions.mp4"
    folder = root / "flickr8k" / "images224"
    assert (
        dldemo("run", "caption", "--weights", trained, "--source", f"{folder}/dev00*.jpg", "--output", video)
        == 0
    )
    frames = read_video_frames(video)
    assert len(frames) == 10 * 3 and frames[0].shape[0] > 224  # each photo (3 s) and its caption strip


def test_record_writes_one_panel_per_epoch(shapes, tmp_path):
    root, _ = shapes
    video = tmp_path / "training.mp4"
    args = ["--data", root, "--preset", "tiny", "--epochs", 2, "--run-dir", tmp_path / "run"]
    assert dldemo("record", "caption", "--output", video, "--panel-images", 2, *args) == 0
    assert len(read_video_frames(video)) == (1 + 2) * 2  # untrained + 2 epochs, each held 2 frames
    assert video.with_suffix(".png").is_file()


def test_bench_reports_every_speed(trained, capsys):
    args = ["--weights", trained, "--preset", "tiny", "--steps", 1, "--calls", 1, "--live-seconds", 1]
    assert dldemo("bench", "caption", *args, "--json") == 0
    numbers = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("encoder_ms", "greedy_decoder_ms", "beam3_decoder_ms", "live_fps", "train_images_per_s"):
        assert numbers[key] > 0, key


def test_user_errors_are_one_line(trained, shapes, tmp_path, capsys):
    root, _ = shapes
    assert dldemo("train", "caption", "--data", tmp_path, "--preset", "tiny") == 2
    assert "dldemo data fetch flickr8k" in capsys.readouterr().err
    (root / "flickr8k" / "images224" / "test000.jpg").rename(tmp_path / "test000.jpg")
    try:
        assert dldemo("eval", "caption", "--weights", trained, "--data", root, "--split", "test") == 2
        err = capsys.readouterr().err
        assert "1 of its 18 images are not under" in err and "dldemo data fetch flickr8k" in err
    finally:
        (tmp_path / "test000.jpg").rename(root / "flickr8k" / "images224" / "test000.jpg")
    from dldemo.shared.apps import get_app

    assert dldemo("run", "caption", "--weights", get_app("colorize").weights, "--max-frames", 1) == 2
    assert "not a captioner" in capsys.readouterr().err
    broken = tmp_path / "broken.jpg"
    broken.write_text("not a photo")
    assert dldemo("run", "caption", str(broken), "--weights", trained, "--attention", tmp_path / "a.png") == 2
    err = capsys.readouterr().err
    assert "cannot decode image" in err and "Traceback" not in err
    assert dldemo("run", "caption", "--weights", trained, "--attention", tmp_path / "a.png") == 2
    assert "--attention needs an IMAGE" in capsys.readouterr().err
    squeezenet = ["--encoder", "squeezenet", "--grid", 7, "--run-dir", tmp_path / "never"]
    assert dldemo("train", "caption", "--data", root, "--preset", "tiny", *squeezenet) == 2
    assert "squeezenet has no 7x7 grid: use --grid 14" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()
