"""Captioning photos with a trained model: the CNN's grid, then greedy or beam search over the decoder.

``Captioner.from_preset()`` loads the shipped captioner (or a ``.keras`` file, or a run folder); ``caption``
takes RGB photos of any size (squashed to the CNN's square, as in training) and returns, for each, the words,
their log-probability and where the model looked for every word.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dldemo.apps.caption.captions import BOS, EOS, PAD, UNK, Vocabulary
from dldemo.apps.caption.features import encode_images
from dldemo.apps.caption.model import MODEL_NAME, custom_objects, inference_models
from dldemo.apps.caption.recipes import BEAM, LENGTH_PENALTY
from dldemo.shared.models.decoding import Hypotheses, beam_search, greedy_decode
from dldemo.shared.models.loading import load_preset
from dldemo.shared.progress import Progress

MAX_WORDS = 20  # longest caption produced
NEVER_SAID = [PAD, BOS, UNK]  # ids a caption never contains (a rare word is better left out)
DECODE_BATCH = 100  # photos decoded together (times the beam width rows)


@dataclass
class Caption:
    """One photo's caption: its words, the sum of their log-probs (eos included), the attention of every
    output step over the grid (steps, grid, grid) and the other finished candidates of the beam."""

    words: list[str]
    score: float
    attention: np.ndarray
    alternatives: list[tuple[str, float]]

    @property
    def text(self) -> str:
        return " ".join(self.words)


class Captioner:
    """A trained captioner: ``Captioner.from_preset().caption([rgb_photo])[0].text``."""

    def __init__(self, model) -> None:
        self.model = model
        encoder = model.get_layer("image_encoder")
        self.cnn, self.grid, self.encoder = encoder.cnn, encoder.grid, encoder.encoder
        self.image_size = encoder.image_size
        self.vocabulary = Vocabulary(model.get_layer("vocabulary").words)
        self.start, self.step_model = inference_models(model)

    @classmethod
    def from_preset(cls, weights: str | Path | None = None) -> Captioner:
        """The shipped captioner (``weights`` None), or the one in a .keras file or a run folder."""
        loaded = load_preset(
            weights, app="caption", model_name=MODEL_NAME, custom_objects=custom_objects(), what="a captioner"
        )
        return cls(loaded.model)

    def features(self, images: list[np.ndarray]) -> np.ndarray:
        """The CNN's feature grids (N, L, C) of RGB photos."""
        return encode_images(self.cnn, images)

    def _step(self, tokens: np.ndarray, state: dict) -> tuple[np.ndarray, dict, np.ndarray]:
        log_probs, h, c, alpha = self.step_model.predict_on_batch(
            [tokens[:, None].astype("int32"), state["h"], state["c"], state["f"], state["k"]]
        )
        log_probs = np.array(log_probs)
        log_probs[:, NEVER_SAID] = -np.inf
        return log_probs, {**state, "h": np.asarray(h), "c": np.asarray(c)}, np.asarray(alpha)

    def decode(
        self,
        features: np.ndarray,
        *,
        beam: int = BEAM,
        length_penalty: float = LENGTH_PENALTY,
        max_words: int = MAX_WORDS,
    ) -> Hypotheses:
        """Greedy (beam 1) or beam search on one batch of feature grids."""
        h, c, f, k = (np.asarray(x) for x in self.start.predict_on_batch(features.astype("float32")))
        state = {"h": h, "c": c, "f": f, "k": k}
        if beam <= 1:
            return greedy_decode(self._step, state, bos=BOS, eos=EOS, max_len=max_words + 1)
        return beam_search(
            self._step,
            state,
            beam=beam,
            bos=BOS,
            eos=EOS,
            max_len=max_words + 1,
            length_penalty=length_penalty,
        )

    def caption_features(
        self, features: np.ndarray, *, progress: str | None = None, **decoding
    ) -> list[Caption]:
        """Captions of feature grids (N, L, C), decoded ``DECODE_BATCH`` photos at a time; with a
        ``progress`` label the loop shows its progress."""
        captions = []
        bar = Progress(len(features), label=progress, unit="photo")
        for start in range(0, len(features), DECODE_BATCH):
            hypotheses = self.decode(features[start : start + DECODE_BATCH], **decoding)
            bar.update(len(hypotheses.tokens))
            ranked = hypotheses.alternatives or [[] for _ in hypotheses.tokens]
            for tokens, score, attention, others in zip(
                hypotheses.tokens, hypotheses.scores, hypotheses.attention, ranked, strict=True
            ):
                captions.append(
                    Caption(
                        words=self.vocabulary.decode(tokens),
                        score=float(score),
                        attention=attention.reshape(-1, self.grid, self.grid),
                        alternatives=[(" ".join(self.vocabulary.decode(ids)), s) for ids, s in others],
                    )
                )
        bar.close()
        return captions

    def caption(self, images: list[np.ndarray], **decoding) -> list[Caption]:
        """Captions of RGB photos of any size."""
        return self.caption_features(self.features(images), **decoding)
