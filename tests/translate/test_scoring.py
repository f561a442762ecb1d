"""sacreBLEU corpus BLEU and chrF with their signatures."""

from __future__ import annotations

import pytest
import sacrebleu

from dldemo.apps.translate.scoring import score
from dldemo.shared.errors import UserError

REFERENCES = [
    "A group of men are loading cotton onto a truck.",
    "A man sleeping in a green room on a couch.",
    "A boy wearing headphones sits on a woman's shoulders.",
]
HYPOTHESES = [
    "A group of men loading cotton on a truck.",
    "A man sleeps on a couch in a green room.",
    "A boy with headphones sits on the shoulders of a woman.",
]


def test_scores_match_sacrebleu() -> None:
    scores = score(HYPOTHESES, REFERENCES)
    assert scores.bleu == pytest.approx(sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES]).score)
    assert scores.chrf == pytest.approx(sacrebleu.corpus_chrf(HYPOTHESES, [REFERENCES]).score)
    assert 0 < scores.bleu < 100 and 0 < scores.chrf < 100
    assert scores.sentences == 3


def test_perfect_hypotheses_score_100() -> None:
    scores = score(REFERENCES, REFERENCES)
    assert scores.bleu == pytest.approx(100.0) and scores.chrf == pytest.approx(100.0)


def test_scoring_is_cased() -> None:
    assert score([r.upper() for r in REFERENCES], REFERENCES).bleu < 10


def test_signatures_and_dict() -> None:
    scores = score(HYPOTHESES, REFERENCES)
    assert "tok:13a" in scores.bleu_signature and "smooth:exp" in scores.bleu_signature
    for signature in (scores.bleu_signature, scores.chrf_signature):
        assert f"version:{sacrebleu.__version__}" in signature
    assert "nc:6" in scores.chrf_signature
    assert scores.as_dict() == {
        "bleu": scores.bleu,
        "chrf": scores.chrf,
        "bleu_signature": scores.bleu_signature,
        "chrf_signature": scores.chrf_signature,
        "sentences": 3,
    }


def test_count_mismatch_and_empty_input() -> None:
    with pytest.raises(UserError, match="2 hypotheses but 3 references"):
        score(HYPOTHESES[:2], REFERENCES)
    with pytest.raises(UserError, match="nothing to score"):
        score([], [])
