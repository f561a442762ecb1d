"""Translating text with a trained model: subwords in, greedy or beam search, text and attention out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dldemo.apps.translate.model import MODEL_NAME, custom_objects, inference_models, settings_of
from dldemo.apps.translate.tokenizer import BOS, EOS, Subwords, pad_batch
from dldemo.shared.errors import UserError
from dldemo.shared.models.decoding import LENGTH_PENALTY, Hypotheses, beam_search, greedy_decode
from dldemo.shared.models.loading import load_preset
from dldemo.shared.progress import Progress

LENGTH_STEP = 8  # sources are padded to a multiple of this, so that few input shapes get compiled


@dataclass
class Translation:
    """One sentence's translation and where each output subword looked in the source."""

    source: str
    text: str
    source_pieces: list[str]
    target_pieces: list[str]
    attention: np.ndarray  # (target pieces, source pieces)


def subwords_of(model) -> tuple[Subwords, Subwords]:
    """The source and target subword models stored in a translator (one object twice when joint)."""
    settings = settings_of(model)
    source = Subwords.from_base64(settings["subwords"])
    target = settings["target_subwords"]
    return source, Subwords.from_base64(target) if target else source


class Translator:
    """A trained translator: ``translate(["A man rides a bike."], beam=5)``."""

    def __init__(self, model) -> None:
        self.model = model
        self.pair = settings_of(model)["pair"]
        self.source_subwords, self.target_subwords = subwords_of(model)
        self.encoder, self.step_model = inference_models(model)

    @classmethod
    def from_preset(cls, weights: str | Path | None = None, pair: str | None = None) -> Translator:
        """The shipped translator (``weights`` None), or the one in a .keras file or a run folder; with
        ``pair``, it must translate that language pair."""
        loaded = load_preset(
            weights,
            app="translate",
            model_name=MODEL_NAME,
            custom_objects=custom_objects(),
            what="a translator",
        )
        translator = cls(loaded.model)
        if pair and pair != translator.pair:
            raise UserError(
                f"{loaded.path} translates {translator.pair}, not {pair}: pass --pair {translator.pair}"
            )
        return translator

    def _step(self, tokens: np.ndarray, state: dict) -> tuple[np.ndarray, dict, np.ndarray]:
        log_probs, h, c, attention = self.step_model.predict_on_batch(
            [tokens[:, None].astype("int32"), state["h"], state["c"], state["memory"], state["source"]]
        )
        return np.asarray(log_probs), {**state, "h": np.asarray(h), "c": np.asarray(c)}, np.asarray(attention)

    def decode_ids(
        self,
        source_ids: list[list[int]],
        *,
        beam: int = 5,
        length_penalty: float = LENGTH_PENALTY,
        max_len: int | None = None,
    ) -> Hypotheses:
        """Decode one batch of subword id sequences (each ending in EOS)."""
        longest = max(len(ids) for ids in source_ids)
        padded = pad_batch(source_ids, max_len=None)
        width = -(-longest // LENGTH_STEP) * LENGTH_STEP
        source = np.zeros((len(source_ids), width), np.int32)
        source[:, : padded.shape[1]] = padded
        memory, h, c = (np.asarray(x) for x in self.encoder.predict_on_batch(source))
        state = {"h": h, "c": c, "memory": memory, "source": source}
        limit = max_len or 2 * longest + 10
        if beam <= 1:
            return greedy_decode(self._step, state, bos=BOS, eos=EOS, max_len=limit)
        return beam_search(
            self._step, state, beam=beam, bos=BOS, eos=EOS, max_len=limit, length_penalty=length_penalty
        )

    def translate(
        self,
        texts: list[str],
        *,
        beam: int = 5,
        length_penalty: float = LENGTH_PENALTY,
        batch_size: int = 64,
        progress: str | None = None,
    ) -> list[Translation]:
        """Translations of ``texts`` in order (batched by length for speed); with a ``progress`` label the
        loop shows its progress."""
        encoded = self.source_subwords.encode(texts)
        order = np.argsort([len(ids) for ids in encoded], kind="stable")
        results: list[Translation | None] = [None] * len(texts)
        bar = Progress(len(texts), label=progress, unit="sentence")
        for start in range(0, len(texts), batch_size):
            chunk = order[start : start + batch_size]
            hypotheses = self.decode_ids(
                [encoded[i] for i in chunk], beam=beam, length_penalty=length_penalty
            )
            for row, i in enumerate(chunk):
                tokens = hypotheses.tokens[row]
                results[i] = Translation(
                    source=texts[i],
                    text=self.target_subwords.decode([tokens])[0],
                    source_pieces=[*self.source_subwords.pieces(texts[i]), "</s>"],
                    target_pieces=[self.target_subwords.id_to_piece(t) for t in tokens],
                    attention=hypotheses.attention[row][:, : len(encoded[i])],
                )
            bar.update(len(chunk))
        bar.close()
        return results  # type: ignore[return-value]
