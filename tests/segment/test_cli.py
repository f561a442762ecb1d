"""The segment app through the CLI: tiny train -> eval -> run -> record, resume, and user errors."""

import json

import cv2
import keras
import numpy as np
import pytest

from dldemo.apps.segment.labels import CAMVID
from dldemo.apps.segment.predict import Segmenter
from dldemo.apps.segment.recipes import PRESETS
from dldemo.shared.live import read_video_frames
from tests.cli import dldemo, tensorflow_half_only

VOID = 11


def street_scene(rng: np.random.Generator, height: int = 96, width: int = 128):
    """A cartoon road scene and its CamVid label map: sky, building, road, a car, a void strip."""
    labels = np.full((height, width), 0, np.uint8)  # sky
    horizon = int(rng.integers(height // 3, height // 2))
    labels[horizon // 2 : horizon, : int(rng.integers(width // 3, width))] = 1  # building
    labels[horizon:] = 3  # road
    top, left = int(rng.integers(horizon - 8, height - 24)), int(rng.integers(0, width - 40))
    labels[top : top + 20, left : left + 36] = 8  # car
    labels[:, :3] = VOID
    image = CAMVID.palette[np.minimum(labels, 10)].astype(np.int16)
    image += rng.integers(-20, 21, image.shape, dtype=np.int16)
    return np.clip(image, 0, 255).astype(np.uint8), labels


@pytest.fixture(scope="module")
def camvid_folder(tmp_path_factory):
    """A CamVid-layout folder of generated scenes: train 12, val 4, test 4."""
    root = tmp_path_factory.mktemp("camvid")
    rng = np.random.default_rng(0)
    for split, count in (("train", 12), ("val", 4), ("test", 4)):
        for kind in ("images", "labels"):
            (root / split / kind).mkdir(parents=True)
        for i in range(count):
            image, labels = street_scene(rng)
            cv2.imwrite(
                str(root / split / "images" / f"f{i:03d}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
            )
            cv2.imwrite(str(root / split / "labels" / f"f{i:03d}.png"), labels)
    return root


@pytest.fixture(scope="module")
def trained_run(camvid_folder, tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "tiny"
    assert dldemo("train", "segment", "--preset", "tiny", "--data", camvid_folder, "--run-dir", run) == 0
    return run


def test_train_writes_a_complete_run(trained_run):
    rows = [json.loads(line) for line in (trained_run / "metrics.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    assert all(0 <= row["val_miou"] <= 100 and 0 <= row["val_pixel_accuracy"] <= 100 for row in rows)
    config = json.loads((trained_run / "config.json").read_text())
    assert config["app"] == "segment" and config["labels"]["names"] == list(CAMVID.names)
    assert len(config["class_weights"]) == CAMVID.num_classes
    assert (trained_run / "checkpoint.keras").exists() and (trained_run / "best.keras").exists()


def test_eval_prints_json_metrics_last(trained_run, camvid_folder, capsys):
    status = dldemo("eval", "segment", "--data", camvid_folder, "--weights", trained_run, "--json")
    assert status == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["split"].endswith("test") and metrics["images"] == 4
    assert set(metrics["per_class_iou"]) == set(CAMVID.names)
    assert 0 <= metrics["miou"] <= 100 and 0 <= metrics["pixel_accuracy"] <= 100  # percent
    present = [v for v in metrics["per_class_iou"].values() if v is not None]
    assert metrics["miou"] == pytest.approx(float(np.mean(present)))


def test_run_writes_a_decodable_video_of_the_requested_length(trained_run, camvid_folder, tmp_path, capsys):
    video = tmp_path / "live.mp4"
    source = camvid_folder / "test" / "images"
    args = ("run", "segment", "--weights", trained_run, "--source", source, "--output", video)
    assert dldemo(*args, "--max-frames", 3) == 0
    frames = read_video_frames(video)
    assert len(frames) == 3 * 3  # three stills, each held 3 s at 1 fps
    assert frames[0].shape[1] > 1.2 * 128  # the 128 px wide frame plus a legend beside it
    assert str(video) in capsys.readouterr().out


@tensorflow_half_only
def test_record_makes_a_video_per_epoch_and_a_learning_curve(camvid_folder, tmp_path):
    video = tmp_path / "record.mp4"
    status = dldemo(
        "record",
        "segment",
        "--preset",
        "tiny",
        "--epochs",
        2,
        "--data",
        camvid_folder,
        "--run-dir",
        tmp_path / "run",
        "--output",
        video,
    )
    assert status == 0
    # Renders before training and after each of the 2 epochs, each held for 2 frames (RecordCallback's hold).
    assert len(read_video_frames(video)) == (1 + 2) * 2
    assert video.with_suffix(".png").exists()


def test_resume_continues_an_interrupted_run(camvid_folder, tmp_path):
    run = tmp_path / "run"
    args = ("train", "segment", "--preset", "tiny", "--data", camvid_folder)
    assert dldemo(*args, "--epochs", 1, "--run-dir", run) == 0
    assert dldemo("train", "segment", "--resume", run, "--epochs", 2) == 0
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    steps = PRESETS["tiny"].steps_per_epoch  # the resumed optimizer goes on counting its steps
    assert [(row["epoch"], row["step"]) for row in rows] == [(1, steps), (2, 2 * steps)]


def test_weights_of_another_app_are_refused(tmp_path, capsys):
    from dldemo.apps.colorize.model import build_colorizer

    path = tmp_path / "colorizer.keras"
    build_colorizer(4, width=8).save(path)
    assert dldemo("eval", "segment", "--weights", path) == 2
    assert "not segment weights" in capsys.readouterr().err


def test_corrupt_weights_give_a_clear_error(tmp_path, capsys):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"not a zip")
    assert dldemo("run", "segment", "--weights", path, "--max-frames", 1) == 2
    assert "corrupt" in capsys.readouterr().err


def test_missing_dataset_names_the_fetch_command(trained_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLDEMO_DATA", str(tmp_path / "empty"))
    assert dldemo("eval", "segment", "--weights", trained_run) == 2
    assert "dldemo data fetch camvid" in capsys.readouterr().err


def test_classes_of_another_dataset_are_refused(tmp_path, camvid_folder, capsys):
    from dldemo.apps.segment.model import build_segmenter

    path = tmp_path / "three.keras"
    build_segmenter(3, width=8, encoder="scratch").save(path)
    assert dldemo("eval", "segment", "--weights", path, "--data", camvid_folder) == 2
    assert "pass weights trained on this dataset" in capsys.readouterr().err


def test_a_run_directory_loads_with_its_classes(trained_run):
    segmenter = Segmenter.from_preset(trained_run)
    assert isinstance(segmenter.model, keras.Model) and segmenter.labels == CAMVID


@tensorflow_half_only
def test_fine_tuning_starts_from_the_given_weights(trained_run, camvid_folder, tmp_path, capsys):
    from dldemo.apps.segment.model import build_segmenter

    start = Segmenter.from_preset(trained_run).model.get_layer("head").get_weights()[0]
    run = tmp_path / "finetune"
    args = ("train", "segment", "--preset", "tiny", "--data", camvid_folder, "--epochs", 1)
    assert dldemo(*args, "--init-weights", trained_run, "--learning-rate", 1e-9, "--run-dir", run) == 0
    assert json.loads((run / "config.json").read_text())["init_weights"] == str(trained_run)
    assert f"segment: fine-tuning {trained_run / 'best.keras'} (" in capsys.readouterr().out
    tuned = Segmenter.from_preset(run / "checkpoint.keras").model.get_layer("head").get_weights()[0]
    np.testing.assert_allclose(tuned, start, atol=1e-5)  # a vanishing learning rate keeps the start

    three = tmp_path / "three.keras"
    build_segmenter(3, width=8, encoder="scratch").save(three)
    assert dldemo(*args, "--init-weights", three, "--run-dir", tmp_path / "bad") == 2
    assert "predicts 3 classes" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()  # nothing half-made is left behind
