"""The shipped Multi30k en-de translator: it loads on its own, translates real captions well, and
`dldemo run translate` works on it with no --weights."""

import io
import sys

import pytest

from dldemo.apps.translate import APP
from dldemo.apps.translate.corpus import load_pairs
from dldemo.apps.translate.scoring import score
from dldemo.apps.translate.translator import Translator
from dldemo.shared.errors import UserError
from tests.cli import dldemo

pytestmark = pytest.mark.skipif(not APP.has_weights, reason="no shipped translate weights in assets/")


def test_shipped_model_translates_multi30k_val_captions():
    try:
        pairs = load_pairs("en-de", "val")
    except UserError as missing:
        pytest.skip(f"needs Multi30k under DLDEMO_DATA: {missing}")
    translator = Translator.from_preset(pair="en-de")
    hypotheses = [t.text for t in translator.translate(pairs.source[:200], beam=1)]
    scores = score(hypotheses, pairs.target[:200])
    assert scores.bleu > 25 and scores.chrf > 50, scores


def test_run_with_no_weights_translates_and_saves_the_attention(tmp_path, capsys):
    picture = tmp_path / "attention.png"
    sentence = "A black dog is running through the snow."
    assert dldemo("run", "translate", sentence, "--attention", picture) == 0
    german = capsys.readouterr().out.strip()
    assert "Hund" in german and "Schnee" in german, german
    assert picture.stat().st_size > 1000


def test_run_with_no_input_translates_the_bundled_samples(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert dldemo("run", "translate") == 0
    german = [line[4:] for line in capsys.readouterr().out.splitlines() if line.startswith("de: ")]
    assert len(german) == 8 and "Hund" in german[0] and "Fußball" in german[1], german
