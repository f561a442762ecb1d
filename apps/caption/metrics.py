"""Caption metrics as the COCO caption toolkit (pycocoevalcap) computes them, and a degeneracy check.

``bleu`` and ``cider_d`` are written from the algorithms and reproduce ``Bleu(4).compute_score`` and
``Cider().compute_score`` (which is CIDEr-D) to floating-point rounding when the toolkit is given the same
words joined by spaces. Inputs are already tokenised: a hypothesis is a list of words, and each image has a
list of reference word lists.

Units: ``bleu`` returns fractions (0-1) and ``cider_d`` the toolkit's scale (x10 built in, ~0-10), as the
toolkit does. ``caption_scores`` reports every score in percent, as captioning papers do: BLEU-4 27.0 means
0.270, and CIDEr-D 78.9 means the toolkit's 0.789.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

ORDER = 4  # n-gram orders 1..4, as the toolkit
TINY, SMALL = 1e-15, 1e-9  # the toolkit's guards: numerator and denominator of every BLEU ratio


def _ngrams(words: Sequence[str], order: int = ORDER) -> Counter[tuple[str, ...]]:
    """Counts of every 1..order-gram of a word list."""
    return Counter(tuple(words[i : i + n]) for n in range(1, order + 1) for i in range(len(words) - n + 1))


def _check(hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but references for {len(references)} images")
    if not hypotheses:
        raise ValueError("nothing to score: give at least one hypothesis")
    if any(not refs for refs in references):
        raise ValueError("every image needs at least one reference")
    captions = [*hypotheses, *(ref for refs in references for ref in refs)]
    if any(isinstance(caption, str) for caption in captions):
        raise ValueError("captions must be word lists, not strings: split them first")


def bleu(hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]]) -> list[float]:
    """Corpus BLEU-1..4 (fractions) as ``Bleu(4).compute_score``'s corpus score.

    Modified n-gram precision (hypothesis counts clipped by the largest count in any one reference), with
    clipped matches and hypothesis n-grams summed over the corpus before dividing; the brevity penalty
    compares the total hypothesis length with the sum of each hypothesis's closest reference length (ties go
    to the shorter reference). No smoothing: a corpus without a 4-gram match scores ~0 at BLEU-4.
    """
    _check(hypotheses, references)
    matches, guesses = [0] * ORDER, [0] * ORDER
    hyp_len = ref_len = 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        clip: dict[tuple[str, ...], int] = {}
        for ref in refs:
            for gram, count in _ngrams(ref).items():
                clip[gram] = max(clip.get(gram, 0), count)
        for gram, count in _ngrams(hyp).items():
            matches[len(gram) - 1] += min(count, clip.get(gram, 0))
        for n in range(ORDER):
            guesses[n] += max(0, len(hyp) - n)
        hyp_len += len(hyp)
        ref_len += min((abs(len(ref) - len(hyp)), len(ref)) for ref in refs)[1]
    scores, product = [], 1.0
    for n in range(ORDER):
        product *= (matches[n] + TINY) / (guesses[n] + SMALL)
        scores.append(product ** (1.0 / (n + 1)))
    ratio = (hyp_len + TINY) / (ref_len + SMALL)
    if ratio < 1:
        scores = [s * math.exp(1 - 1 / ratio) for s in scores]
    return scores


def cider_d(
    hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]], sigma: float = 6.0
) -> tuple[float, np.ndarray]:
    """CIDEr-D as ``Cider().compute_score``: (corpus mean, per-image scores), toolkit scale (x10).

    Per n-gram order 1..4, the hypothesis and each reference become tf-idf vectors: term frequency times
    ``log(images) - log(max(1, df))``, where df counts the evaluated images whose references contain the
    n-gram (so the idf depends on the set being scored). The similarity is sum(min(h, r) * r) / (|h| |r|)
    (clipped), times a Gaussian penalty exp(-d**2 / (2 sigma**2)) where d is the difference in the number of
    *bigrams* (the toolkit's "length"; this equals the word-count difference whenever the similarity is not
    zero anyway). Per image: mean over the four orders, mean over references, times 10.
    """
    _check(hypotheses, references)
    ref_counts = [[_ngrams(ref) for ref in refs] for refs in references]
    doc_freq: Counter[tuple[str, ...]] = Counter()
    for counts in ref_counts:
        doc_freq.update(set().union(*counts))
    log_images = math.log(len(references))

    def vectors(counts: Counter[tuple[str, ...]]) -> tuple[list[dict], list[float], int]:
        vecs: list[dict[tuple[str, ...], float]] = [{} for _ in range(ORDER)]
        norms = [0.0] * ORDER
        for gram, tf in counts.items():
            weight = tf * (log_images - math.log(max(1.0, doc_freq[gram])))
            vecs[len(gram) - 1][gram] = weight
            norms[len(gram) - 1] += weight * weight
        bigrams = sum(tf for gram, tf in counts.items() if len(gram) == 2)
        return vecs, [math.sqrt(s) for s in norms], bigrams

    scores = []
    for hyp, refs in zip(hypotheses, ref_counts, strict=True):
        h_vecs, h_norms, h_len = vectors(_ngrams(hyp))
        total = np.zeros(ORDER)
        for ref in refs:
            r_vecs, r_norms, r_len = vectors(ref)
            penalty = math.exp(-((h_len - r_len) ** 2) / (2 * sigma**2))
            for n in range(ORDER):
                dot = sum(min(w, r_vecs[n].get(g, 0.0)) * r_vecs[n].get(g, 0.0) for g, w in h_vecs[n].items())
                if h_norms[n] and r_norms[n]:
                    dot /= h_norms[n] * r_norms[n]
                total[n] += dot * penalty
        scores.append(10.0 * total.mean() / len(refs))
    per_image = np.array(scores)
    return float(per_image.mean()), per_image


def caption_scores(
    hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]]
) -> dict[str, float]:
    """BLEU-1..4 and CIDEr-D in percent: {"bleu1": .., "bleu2": .., "bleu3": .., "bleu4": .., "cider": ..}.

    BLEU fractions x100; CIDEr-D is the toolkit's number x100 (0.789 -> 78.9), as papers report it.
    """
    scores = {f"bleu{n + 1}": 100.0 * s for n, s in enumerate(bleu(hypotheses, references))}
    scores["cider"] = 100.0 * cider_d(hypotheses, references)[0]
    return scores


def diversity(hypotheses: Sequence[Sequence[str]]) -> dict[str, float]:
    """Guards against degenerate captioners: {"distinct": .., "repeats": ..}, both fractions of captions.

    ``distinct``: distinct captions / captions (1.0 when every caption differs, small when one caption is
    produced for everything). ``repeats``: captions with the same word twice in a row ("a a dog") or a word
    bigram that occurs twice ("on a table on a table").
    """
    if not hypotheses:
        raise ValueError("nothing to measure: give at least one caption")
    captions = [tuple(h) for h in hypotheses]

    def repeats(words: tuple[str, ...]) -> bool:
        bigrams = list(zip(words, words[1:], strict=False))
        return any(a == b for a, b in bigrams) or len(set(bigrams)) < len(bigrams)

    return {
        "distinct": len(set(captions)) / len(captions),
        "repeats": sum(map(repeats, captions)) / len(captions),
    }
