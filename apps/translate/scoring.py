"""Corpus BLEU and chrF with sacreBLEU's defaults, with their signatures for reporting."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sacrebleu.metrics import BLEU, CHRF

from dldemo.shared.errors import UserError


@dataclass(frozen=True)
class Scores:
    """Corpus scores (0-100) and the sacreBLEU signatures that make them reproducible."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    sentences: int

    def as_dict(self) -> dict:
        return asdict(self)


def score(hypotheses: list[str], references: list[str]) -> Scores:
    """Corpus BLEU (13a tokenizer, exp smoothing, cased) and chrF of detokenized text, one reference each."""
    if len(hypotheses) != len(references):
        raise UserError(
            f"{len(hypotheses)} hypotheses but {len(references)} references: give one hypothesis a reference"
        )
    if not hypotheses:
        raise UserError("nothing to score: give at least one hypothesis and reference")
    bleu, chrf = BLEU(), CHRF()
    bleu_score = bleu.corpus_score(hypotheses, [references]).score
    chrf_score = chrf.corpus_score(hypotheses, [references]).score
    return Scores(
        bleu=bleu_score,
        chrf=chrf_score,
        bleu_signature=str(bleu.get_signature()),
        chrf_signature=str(chrf.get_signature()),
        sentences=len(hypotheses),
    )
