"""`dldemo eval caption`: BLEU-1..4 and CIDEr-D of a split's captions (COCO toolkit definitions), with the
diversity checks that catch a degenerate captioner (one caption for every photo, "a a a")."""

from __future__ import annotations

from dldemo.apps.caption.captioner import Captioner
from dldemo.apps.caption.captions import load_split
from dldemo.apps.caption.features import cached_features
from dldemo.apps.caption.metrics import caption_scores, diversity


def evaluate_split(
    captioner: Captioner,
    split: str,
    *,
    data: str | None,
    beam: int,
    length_penalty: float,
    limit: int | None = None,
) -> tuple[dict, list[str]]:
    """The split's scores (percent) and settings, and the captions in the split's order."""
    photos = load_split(split, data).first(limit)
    grids = cached_features(captioner.cnn, captioner.encoder, captioner.grid, photos.images, split)
    captions = captioner.caption_features(grids, beam=beam, length_penalty=length_penalty,
                                          progress=f"caption: captioning {split}")  # fmt: skip
    hypotheses = [c.words for c in captions]
    numbers = {
        **caption_scores(hypotheses, photos.references()),
        **diversity(hypotheses),
        "mean_words": sum(map(len, hypotheses)) / len(hypotheses),
        "images": len(photos),
        "beam": beam,
        "length_penalty": length_penalty,
        "split": split,
    }
    return numbers, [c.text for c in captions]
