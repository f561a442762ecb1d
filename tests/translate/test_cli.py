"""The translate app end to end on a made-up language: train, eval, run (args, pipe, attention), record,
a checkpoint that translates in a fresh process, and one-line user errors."""

import io
import json
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from dldemo.apps.translate.samples import sample_sentences
from dldemo.apps.translate.tokenizer import UNK
from dldemo.apps.translate.translator import Translator
from dldemo.shared.errors import UserError
from dldemo.shared.live import read_video_frames
from tests.cli import dldemo, tensorflow_half_only

ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
GERMAN = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]


def numbers(rng: np.random.Generator, count: int) -> tuple[list[str], list[str]]:
    """Digit sequences spelled in English and their German word-by-word translation."""
    english, german = [], []
    for _ in range(count):
        digits = rng.integers(0, 10, rng.integers(3, 7))
        english.append(" ".join(ENGLISH[d] for d in digits) + " .")
        german.append(" ".join(GERMAN[d] for d in digits) + " .")
    return english, german


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("numbers")
    rng = np.random.default_rng(0)
    for split, count in (("train", 512), ("val", 32), ("test", 40)):
        english, german = numbers(rng, count)
        (root / f"{split}.en").write_text("\n".join(english) + "\n", encoding="utf-8")
        (root / f"{split}.de").write_text("\n".join(german) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    run = tmp_path_factory.mktemp("runs") / "numbers"
    args = ["--data", corpus, "--pair", "en-de", "--preset", "tiny", "--epochs", 12, "--learning-rate", 0.01]
    assert dldemo("train", "translate", "--run-dir", run, *args) == 0
    return run


def test_a_tiny_model_learns_the_made_up_language(trained, corpus, capsys):
    history = [json.loads(line) for line in (trained / "metrics.jsonl").read_text().splitlines()]
    assert history[-1]["loss"] < history[0]["loss"]
    assert (
        dldemo("eval", "translate", "--weights", trained, "--data", corpus, "--split", "test", "--json") == 0
    )
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["bleu"] > 80 and scores["chrf"] > 85, scores
    assert "tok:13a" in scores["bleu_signature"] and scores["sentences"] == 40


@tensorflow_half_only
def test_separate_vocabularies_learn_the_made_up_language_too(corpus, tmp_path, capsys):
    run = tmp_path / "separate"
    args = ["--data", corpus, "--preset", "tiny", "--epochs", 12, "--learning-rate", 0.01]
    assert dldemo("train", "translate", "--vocabulary", "separate", "--run-dir", run, *args) == 0
    assert "source +" in capsys.readouterr().out
    translator = Translator.from_preset(run)
    assert translator.source_subwords.proto != translator.target_subwords.proto
    assert UNK in translator.source_subwords.encode(["fünf"])[0]  # "ü" is German only
    assert UNK not in translator.target_subwords.encode(["fünf"])[0]
    assert dldemo("eval", "translate", "--weights", run, "--data", corpus, "--split", "test", "--json") == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["bleu"] > 80 and scores["chrf"] > 85, scores


def test_run_translates_arguments_and_piped_lines(trained, capsys):
    assert dldemo("run", "translate", "--weights", trained, "one two three .", "nine eight .") == 0
    assert capsys.readouterr().out.splitlines() == ["eins zwei drei .", "neun acht ."]


def test_a_checkpoint_translates_in_a_new_process_from_stdin(trained, tmp_path):
    attention = tmp_path / "attention.png"
    done = subprocess.run(
        [sys.executable, "-c", "from dldemo.shared.cli import main; main()", "run", "translate",
         "--weights", str(trained), "--beam", "3", "--attention", str(attention)],
        input="four five six .\n\nseven .\n", capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert done.stdout.splitlines() == ["vier fünf sechs .", "", "sieben ."]
    image = cv2.imread(str(attention))
    assert image is not None and min(image.shape[:2]) > 4 * 48  # titled and projector-sized


def test_run_with_no_input_translates_the_bundled_samples(trained, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert dldemo("run", "translate", "--weights", trained) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert [line[:4] for line in lines] == ["en: ", "de: "] * len(sample_sentences("en"))
    assert lines[0] == f"en: {sample_sentences('en')[0]}"


@tensorflow_half_only
def test_init_weights_goes_on_from_a_trained_model(trained, corpus, tmp_path, capsys):
    before = [json.loads(line) for line in (trained / "metrics.jsonl").read_text().splitlines()]
    args = ["--data", corpus, "--preset", "tiny", "--epochs", 1, "--learning-rate", 0.001]
    tuned = tmp_path / "tuned"
    assert dldemo("train", "translate", "--init-weights", trained, "--run-dir", tuned, *args) == 0
    assert f"translate: starting from {trained / 'best.keras'} (" in capsys.readouterr().out
    after = json.loads((tuned / "metrics.jsonl").read_text().splitlines()[0])
    assert after["val_loss"] < before[0]["val_loss"] and after["val_loss"] < before[-1]["val_loss"] * 1.1
    assert after["val_bleu"] > 60, after
    assert json.loads((tuned / "config.json").read_text())["recipe"]["shape"]["decoder_units"] == 64
    capsys.readouterr()
    averaged = tmp_path / "averaged"
    assert dldemo("train", "translate", "--init-weights", trained, "--run-dir", averaged, *args,
                  "--epochs", 2, "--average-last", 2) == 0  # fmt: skip
    line = next(x for x in capsys.readouterr().out.splitlines() if "averaged weights" in x)
    average, best = (float(x) for x in re.findall(r"BLEU (\S+) chrF \S+ vs (\S+) at", line)[0])
    assert average > 60, line
    promoted = (averaged / "best.keras").read_bytes() == (averaged / "averaged.keras").read_bytes()
    assert promoted == (average > best) == line.endswith("now best.keras"), line
    assert dldemo("train", "translate", "--init-weights", trained, "--pair", "en-fr", *args) == 2
    assert "translates en-de, not en-fr" in capsys.readouterr().err


def test_eval_on_any_pair_of_files(trained, tmp_path, capsys):
    source, reference = tmp_path / "in.en", tmp_path / "ref.de"
    source.write_text("two two .\nthree one four .\n", encoding="utf-8")
    reference.write_text("zwei zwei .\ndrei eins vier .\n", encoding="utf-8")
    files = ["--src", source, "--ref", reference]
    saved = tmp_path / "out.de"
    args = ["--length-penalty", 1.5, "--output", saved, "--json"]
    assert dldemo("eval", "translate", "--weights", trained, *files, *args) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (scores["sentences"], scores["beam"], scores["length_penalty"]) == (2, 5, 1.5)
    assert len(saved.read_text(encoding="utf-8").splitlines()) == 2  # one translation a source line


@tensorflow_half_only
def test_record_writes_one_panel_per_epoch(corpus, tmp_path, capsys):
    video = tmp_path / "training.mp4"
    args = [
        "--data",
        corpus,
        "--pair",
        "en-de",
        "--preset",
        "tiny",
        "--epochs",
        2,
        "--run-dir",
        tmp_path / "run",
    ]
    assert dldemo("record", "translate", "--output", video, "--sentences", 2, *args) == 0
    assert len(read_video_frames(video)) == 3 * 2  # before training and after each epoch, 2 frames each
    assert video.with_suffix(".png").is_file()


def test_user_errors_are_one_line(trained, corpus, tmp_path, capsys):
    assert dldemo("run", "translate", "--weights", trained, "--pair", "en-fr", "hello") == 2
    assert "translates en-de, not en-fr" in capsys.readouterr().err
    short = tmp_path / "short.de"
    short.write_text("eins .\n", encoding="utf-8")
    assert dldemo("eval", "translate", "--weights", trained, "--src", corpus / "val.en", "--ref", short) == 2
    err = capsys.readouterr().err
    assert "not line-aligned" in err and "Traceback" not in err
    assert dldemo("eval", "translate", "--weights", trained, "--src", short) == 2
    assert "--src and --ref go together" in capsys.readouterr().err
    trained_again = ["--data", corpus, "--init-weights", trained, "--vocabulary", "separate"]
    assert dldemo("train", "translate", *trained_again, "--run-dir", tmp_path / "run") == 2
    assert "keeps the model's own subwords" in capsys.readouterr().err
    too_many = ["--data", corpus, "--preset", "tiny", "--epochs", 2, "--average-last", 3]
    assert dldemo("train", "translate", *too_many, "--run-dir", tmp_path / "run") == 2
    assert "--average-last 3 is more than the 2 epochs" in capsys.readouterr().err
    with pytest.raises(UserError, match="no bundled sample sentences in 'xx'"):
        sample_sentences("xx")


def test_a_folder_of_another_pair_suggests_the_pair(tmp_path, capsys):
    for name in ("train.en", "train.fr"):
        (tmp_path / name).write_text("a .\n", encoding="utf-8")
    args = ["--data", tmp_path, "--preset", "tiny", "--run-dir", tmp_path / "r"]
    assert dldemo("train", "translate", *args) == 2
    assert "which has train files in en, fr: pass --pair en-fr" in capsys.readouterr().err
