"""The colorize app through the CLI: tiny train -> eval -> run -> record, resume, and user errors."""

import json
import shutil

import cv2
import keras
import numpy as np
import pytest

from dldemo.apps.colorize.evaluate import choose_decoding, evaluation_photos, greyed
from dldemo.shared.data import read_image
from dldemo.shared.errors import UserError
from dldemo.shared.live import read_video_frames
from tests.cli import dldemo, tensorflow_half_only


@pytest.fixture(scope="module")
def trained_run(photo_folder, tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "tiny"
    assert dldemo("train", "colorize", "--preset", "tiny", "--data", photo_folder, "--run-dir", run) == 0
    return run


def test_train_writes_a_complete_run(trained_run):
    rows = [json.loads(line) for line in (trained_run / "metrics.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    assert all(0 < row["val_psnr"] < 60 and row["val_colorfulness_ratio"] >= 0 for row in rows)
    config = json.loads((trained_run / "config.json").read_text())
    assert config["app"] == "colorize" and config["loss"] == "classification"
    assert (trained_run / "checkpoint.keras").exists() and (trained_run / "best.keras").exists()


def test_eval_prints_json_metrics_last(trained_run, photo_folder, capsys):
    assert dldemo("eval", "colorize", "--data", photo_folder, "--weights", trained_run, "--json") == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["images"] == 12
    for key in ("psnr", "psnr_gray", "ssim", "colorfulness_ratio"):
        assert isinstance(metrics[key], float)
    assert 10 < metrics["psnr_gray"] < 50 and 0 < metrics["ssim"] <= 1


def write_rgb(path, rgb: np.ndarray):
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def eval_json(trained_run, folder, capsys) -> dict:
    assert dldemo("eval", "colorize", "--data", folder, "--weights", trained_run, "--json") == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    return json.loads(out.strip().splitlines()[-1])


def test_eval_drops_black_and_white_photos_and_says_how_many(trained_run, photo_folder, tmp_path, capsys):
    photo = read_image(photo_folder / "photo01.png")
    write_rgb(tmp_path / "colour.png", photo)
    write_rgb(tmp_path / "grey.png", greyed(photo))
    metrics = eval_json(trained_run, tmp_path, capsys)
    assert metrics["images"] == 1 and metrics["dropped_grey"] == 1
    assert 10 < metrics["psnr_gray"] < 50
    (tmp_path / "colour.png").unlink()
    assert dldemo("eval", "colorize", "--data", tmp_path, "--weights", trained_run) == 2
    err = capsys.readouterr().err
    assert "no colour photo to score among 1" in err and len(err.strip().splitlines()) == 1


def test_eval_of_a_one_pixel_photo_has_no_ssim_and_no_nan(trained_run, tmp_path, capsys):
    write_rgb(tmp_path / "pixel.png", np.array([[[200, 40, 30]]], np.uint8))
    metrics = eval_json(trained_run, tmp_path, capsys)
    assert metrics["images"] == 1 and metrics["ssim"] is None and metrics["ssim_skipped"] == 1
    assert 0 < metrics["psnr"] <= 100 and 0 < metrics["psnr_gray"] <= 100


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("w.json", '{"temperature": "hot"}'),
        ("w.json", '{"temperature": 0}'),
        ("w.json", '{"chroma_gain": -1}'),
        ("config.json", "[" * 100_000),
    ],
)
def test_bad_settings_beside_the_weights_are_a_one_line_error(
    trained_run, photo_folder, tmp_path, capsys, name, text
):
    weights = tmp_path / "w.keras"
    shutil.copy(trained_run / "best.keras", weights)
    (tmp_path / name).write_text(text)
    args = ["--source", photo_folder / "photo00.png", "--output", tmp_path / "out.mp4", "--max-frames", 1]
    assert dldemo("run", "colorize", "--weights", weights, *args) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / name) in err and len(err.strip().splitlines()) == 1


def test_chroma_gain_scales_the_predicted_colour_and_is_read_beside_the_weights(
    trained_run, photo_folder, tmp_path
):
    from dldemo.apps.colorize.predict import Colorizer

    photo = read_image(photo_folder / "photo00.png")
    plain = Colorizer.from_preset(trained_run).predict_ab(photo)
    assert Colorizer.from_preset(trained_run).chroma_gain == 1.0
    stronger = Colorizer.from_preset(trained_run, chroma_gain=1.5).predict_ab(photo)
    np.testing.assert_allclose(stronger, 1.5 * plain, rtol=1e-5, atol=1e-4)
    weights = tmp_path / "w.keras"
    shutil.copy(trained_run / "best.keras", weights)
    (tmp_path / "w.json").write_text('{"temperature": 0.5, "chroma_gain": 1.25}')
    saved = Colorizer.from_preset(weights)
    assert (saved.temperature, saved.chroma_gain) == (0.5, 1.25)
    assert Colorizer.from_preset(weights, chroma_gain=2.0).chroma_gain == 2.0


def test_run_writes_a_decodable_video_of_the_requested_length(trained_run, photo_folder, tmp_path, capsys):
    video = tmp_path / "live.mp4"
    status = dldemo(
        "run",
        "colorize",
        "--weights",
        trained_run,
        "--source",
        photo_folder,
        "--output",
        video,
        "--max-frames",
        3,
    )
    assert status == 0
    frames = read_video_frames(video)
    assert len(frames) == 3 * 3  # three stills, each held 3 s at 1 fps
    assert frames[0].shape[1] > 2 * frames[0].shape[0]  # three panels side by side
    assert str(video) in capsys.readouterr().out


def test_run_defaults_to_the_bundled_samples_headless(trained_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dldemo("run", "colorize", "--weights", trained_run, "--max-frames", 2) == 0
    videos = list((tmp_path / "out").glob("colorize-*.mp4"))
    assert len(videos) == 1 and len(read_video_frames(videos[0])) == 2 * 3


@tensorflow_half_only
def test_record_makes_a_video_per_epoch_and_a_learning_curve(photo_folder, tmp_path):
    video = tmp_path / "record.mp4"
    status = dldemo(
        "record",
        "colorize",
        "--preset",
        "tiny",
        "--epochs",
        2,
        "--data",
        photo_folder,
        "--run-dir",
        tmp_path / "run",
        "--output",
        video,
    )
    assert status == 0
    assert len(read_video_frames(video)) == (1 + 2) * 2  # untrained + 2 epochs, each held 2 frames
    assert video.with_suffix(".png").stat().st_size > 1000


def test_resume_continues_a_run(photo_folder, tmp_path):
    run = tmp_path / "run"
    assert (
        dldemo(
            "train", "colorize", "--preset", "tiny", "--epochs", 1, "--data", photo_folder, "--run-dir", run
        )
        == 0
    )
    assert dldemo("train", "colorize", "--resume", run, "--epochs", 2) == 0
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1, 2]
    assert rows[1]["step"] == 2 * rows[0]["step"]


def test_init_weights_goes_on_from_the_given_colorizer(trained_run, photo_folder, tmp_path, capsys):
    from dldemo.apps.colorize.model import build_colorizer
    from dldemo.apps.colorize.predict import Colorizer

    start = Colorizer.from_preset(trained_run).model.get_layer("head").get_weights()[0]
    run = tmp_path / "again"
    args = ("train", "colorize", "--preset", "tiny", "--data", photo_folder, "--epochs", 1)
    assert dldemo(*args, "--init-weights", trained_run, "--learning-rate", 1e-9, "--run-dir", run) == 0
    assert json.loads((run / "config.json").read_text())["init_weights"] == str(trained_run)
    assert f"colorize: going on from {trained_run / 'best.keras'} (" in capsys.readouterr().out
    tuned = Colorizer.from_preset(run / "checkpoint.keras").model.get_layer("head").get_weights()[0]
    np.testing.assert_allclose(tuned, start, atol=1e-5)  # a vanishing learning rate keeps the start

    regression = tmp_path / "regression.keras"
    build_colorizer(2, width=8).save(regression)
    assert dldemo(*args, "--init-weights", regression, "--run-dir", tmp_path / "bad") == 2
    assert "has 2 outputs but this loss needs" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_unknown_app_lists_the_apps(capsys):
    assert dldemo("run", "nope") == 2
    err = capsys.readouterr().err
    assert "unknown app 'nope'" in err and "colorize" in err and len(err.strip().splitlines()) == 1


def test_unknown_split_names_the_valid_ones(trained_run, capsys):
    assert dldemo("eval", "colorize", "--split", "imagenet", "--weights", trained_run) == 2
    assert "bsds500-val" in capsys.readouterr().err


def test_missing_dataset_gives_the_fetch_command(trained_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLDEMO_DATA", str(tmp_path))
    assert dldemo("eval", "colorize", "--weights", trained_run) == 2
    assert "dldemo data fetch bsds500" in capsys.readouterr().err


def test_weights_of_another_model_are_refused(tmp_path, capsys):
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="segmenter")
    path = tmp_path / "other.keras"
    other.save(path)
    assert dldemo("run", "colorize", "--weights", path, "--max-frames", 1) == 2
    assert "not colorize weights" in capsys.readouterr().err


def test_corrupt_weights_are_refused(tmp_path, capsys):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"not a zip file")
    assert dldemo("eval", "colorize", "--weights", path) == 2
    assert "corrupt" in capsys.readouterr().err


def test_decoding_sweep_agrees_with_single_evaluations_and_names_the_rules_choice(
    trained_run, photo_folder, capsys
):
    base = ["eval", "colorize", "--data", photo_folder, "--weights", trained_run, "--json", "--limit", 4]
    assert dldemo(*base, "--sweep", "0.2,1.0", "--sweep-gains", "1,1.3") == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    sweep = report["sweep"]
    assert [(row["temperature"], row["chroma_gain"]) for row in sweep] == [
        (0.2, 1), (0.2, 1.3), (1.0, 1), (1.0, 1.3)
    ]  # fmt: skip
    for row in sweep:
        assert dldemo(*base, "--temperature", row["temperature"], "--chroma-gain", row["chroma_gain"]) == 0
        single = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert single["psnr"] == pytest.approx(row["psnr"], abs=0.02)
        assert single["colorfulness_ratio"] == pytest.approx(row["colorfulness_ratio"], abs=0.01)
    assert sweep[0]["colorfulness_ratio"] != pytest.approx(sweep[2]["colorfulness_ratio"], abs=1e-4)
    assert sweep[1]["colorfulness_ratio"] > sweep[0]["colorfulness_ratio"]  # the gain adds colour
    assert report["chosen"] == choose_decoding(sweep)


def test_the_decoding_rule_prefers_accuracy_among_colourful_rows():
    row = lambda gain, ratio: {"psnr": 20 + gain, "psnr_gray": 20, "colorfulness_ratio": ratio}  # noqa: E731
    assert choose_decoding([row(1.7, 0.6), row(1.5, 0.72), row(1.4, 0.8)]) == row(1.5, 0.72)
    assert choose_decoding([row(1.7, 0.6), row(1.5, 0.65)]) == row(1.5, 0.65)  # none colourful enough


@pytest.mark.dataset
def test_comma_separated_splits_are_scored_one_after_the_other():
    with pytest.raises(UserError, match="unknown colorize split 'nope'"):
        evaluation_photos(None, "bsds500-val,nope")
    try:
        bsds, flickr = (evaluation_photos(None, name)[1] for name in ("bsds500-val", "flickr8k-dev"))
    except UserError as missing:
        pytest.skip(f"needs bsds500 and flickr8k under DLDEMO_DATA: {missing}")
    label, both = evaluation_photos(None, "bsds500-val,flickr8k-dev")
    assert label == "bsds500-val+flickr8k-dev" and both == bsds + flickr
    assert (len(bsds), len(flickr)) == (100, 113)  # the full-size Flickr8k dev photos only


@pytest.mark.dataset
def test_the_dev224_split_is_unseen_dev_photos_only():
    from dldemo.apps.colorize.recipes import recipe_photos

    try:
        unseen = evaluation_photos(None, "flickr8k-dev224")[1]
        dev = evaluation_photos(None, "flickr8k-dev")[1]
        train, val = recipe_photos(None)
    except UserError as missing:
        pytest.skip(f"needs the reference flickr8k, bsds500 and camvid under DLDEMO_DATA: {missing}")
    names = {p.name for p in unseen}
    assert len(unseen) == 887 and all(p.parent.name == "images224" for p in unseen)
    assert not names & {p.name for p in dev}  # not among the photos the shipped model was chosen on
    assert not names & {p.name for p in train}  # never trained on
    assert names <= {p.name for p in val}  # held out as dev photos by the recipe


def test_a_split_whose_folder_is_missing_says_which(tmp_path):
    text = tmp_path / "flickr8k" / "text"
    text.mkdir(parents=True)
    for name in ("Flickr8k.token.txt", *(f"Flickr_8k.{s}Images.txt" for s in ("train", "dev", "test"))):
        (text / name).write_text("a.jpg\n")
    (tmp_path / "flickr8k" / "images").mkdir()
    write_rgb(tmp_path / "flickr8k" / "images" / "a.jpg", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(UserError, match="has no images224/ folder, which this split reads"):
        evaluation_photos(str(tmp_path), "flickr8k-dev224")


def test_a_sweep_needs_positive_numbers_and_gains_need_temperatures(trained_run, photo_folder, capsys):
    base = ["eval", "colorize", "--data", photo_folder, "--weights", trained_run]
    assert dldemo(*base, "--sweep", "0.5,0") == 2
    assert "--sweep takes positive numbers" in capsys.readouterr().err
    assert dldemo(*base, "--sweep-gains", "1.1") == 2
    assert "--sweep-gains needs --sweep" in capsys.readouterr().err


def test_a_start_without_its_data_leaves_no_run_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLDEMO_DATA", str(tmp_path / "empty"))
    assert dldemo("train", "colorize", "--preset", "cpu", "--run-dir", tmp_path / "run") == 2
    assert "dldemo data fetch" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.dataset
def test_frozen_encoder_stays_as_imagenet_left_it_and_thaws_without_the_flag(
    photo_folder, tmp_path, lite0_weights
):
    from dldemo.apps.colorize.predict import Colorizer

    run = tmp_path / "frozen"
    args = (
        "train",
        "colorize",
        "--preset",
        "tiny",
        "--data",
        photo_folder,
        "--encoder",
        "efficientnet-lite0",
    )
    assert dldemo(*args, "--frozen-encoder", "--epochs", 1, "--run-dir", run) == 0
    assert json.loads((run / "config.json").read_text())["recipe"]["frozen_encoder"] is True
    assert dldemo("train", "colorize", "--resume", run, "--epochs", 2) == 0

    fresh = tmp_path / "fresh"  # the same start, trained 0 steps further: ImageNet's encoder, a new decoder
    assert dldemo(*args, "--frozen-encoder", "--epochs", 1, "--learning-rate", 1e-9, "--run-dir", fresh) == 0
    trained, start = (Colorizer.from_preset(r / "checkpoint.keras").model for r in (run, fresh))
    encoder = [layer.name for layer in trained.layers if layer.name.startswith(("stem_", "block"))]
    assert len(encoder) > 60
    for name in encoder:  # weights and BatchNorm statistics alike
        pairs = zip(trained.get_layer(name).get_weights(), start.get_layer(name).get_weights(), strict=True)
        for after, before in pairs:
            np.testing.assert_array_equal(after, before)
    assert not np.allclose(
        trained.get_layer("head").get_weights()[0], start.get_layer("head").get_weights()[0]
    )

    tuned = tmp_path / "tuned"  # going on from the frozen run without --frozen-encoder trains the encoder
    assert dldemo(*args, "--epochs", 1, "--init-weights", run, "--run-dir", tuned) == 0
    stem = Colorizer.from_preset(tuned / "checkpoint.keras").model.get_layer("stem_conv").get_weights()[0]
    assert not np.array_equal(stem, start.get_layer("stem_conv").get_weights()[0])


def test_frozen_encoder_needs_efficientnet(photo_folder, tmp_path, capsys):
    args = ("train", "colorize", "--preset", "tiny", "--data", photo_folder, "--frozen-encoder")
    assert dldemo(*args, "--run-dir", tmp_path / "run") == 2
    assert "--frozen-encoder needs --encoder efficientnet-lite0, not scratch" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
