"""Sentencepiece subwords whose model travels with the translator, and batch padding."""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Iterable, Sequence

import numpy as np
import sentencepiece as spm

from dldemo.shared.errors import UserError

PAD, BOS, EOS, UNK = 0, 1, 2, 3
MAX_TRAIN_SENTENCES = 2_000_000


class Subwords:
    """A trained sentencepiece model; its serialized proto travels inside checkpoints (self-contained)."""

    def __init__(self, model_proto: bytes) -> None:
        self._proto = bytes(model_proto)
        self._sp = spm.SentencePieceProcessor()
        try:
            self._sp.LoadFromSerializedProto(self._proto)
        except RuntimeError as error:
            raise UserError(
                f"not a sentencepiece model ({error}): use a checkpoint saved by this app or retrain"
            ) from error

    @classmethod
    def train(
        cls,
        sentences: Iterable[str],
        *,
        vocab_size: int = 8000,
        model_type: str = "unigram",
        character_coverage: float = 1.0,
    ) -> Subwords:
        """Train in memory on ``sentences`` (a soft vocabulary limit, so small corpora work)."""
        writer = io.BytesIO()
        try:
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter(sentences),
                model_writer=writer,
                vocab_size=vocab_size,
                model_type=model_type,
                character_coverage=character_coverage,
                pad_id=PAD,
                bos_id=BOS,
                eos_id=EOS,
                unk_id=UNK,
                hard_vocab_limit=False,
                input_sentence_size=MAX_TRAIN_SENTENCES,
                shuffle_input_sentence=True,
                minloglevel=2,
            )
        except RuntimeError as error:
            raise UserError(
                f"sentencepiece training failed ({error}): check the corpus and the vocabulary settings"
            ) from error
        return cls(writer.getvalue())

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    @property
    def proto(self) -> bytes:
        return self._proto

    def encode(self, texts: list[str], *, add_bos: bool = False, add_eos: bool = True) -> list[list[int]]:
        """Token ids of each text."""
        return self._sp.encode(list(texts), add_bos=add_bos, add_eos=add_eos)

    def decode(self, ids: Sequence[Sequence[int]] | np.ndarray) -> list[str]:
        """Texts from id rows, each cut at its first EOS, with PAD and BOS ignored."""
        return self._sp.decode([_content(row) for row in ids])

    def pieces(self, text: str) -> list[str]:
        """The subword pieces of ``text`` (for attention plots)."""
        return self._sp.encode(text, out_type=str)

    def id_to_piece(self, token: int) -> str:
        """The subword of one id (``"</s>"`` for EOS)."""
        return self._sp.id_to_piece(int(token))

    def to_base64(self) -> str:
        """The model as ASCII text, for layer configs and JSON."""
        return base64.b64encode(self._proto).decode("ascii")

    @classmethod
    def from_base64(cls, text: str) -> Subwords:
        """The model saved by :meth:`to_base64`."""
        try:
            proto = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise UserError(
                f"the subword model is not valid base64 ({error}): the checkpoint is damaged"
            ) from error
        return cls(proto)


def _content(row: Sequence[int] | np.ndarray) -> list[int]:
    """The ids of ``row`` before its first EOS, without PAD and BOS."""
    ids: list[int] = []
    for token in row:
        token = int(token)
        if token == EOS:
            break
        if token not in (PAD, BOS):
            ids.append(token)
    return ids


def pad_batch(sequences: list[list[int]], *, max_len: int | None = None) -> np.ndarray:
    """int32 (B, T) right-padded with PAD; rows longer than ``max_len`` are cut, keeping a final EOS."""
    if max_len is not None and max_len < 1:
        raise UserError(f"max_len must be at least 1, got {max_len}: pass a positive length")
    width = max((len(seq) for seq in sequences), default=0)
    if max_len is not None:
        width = min(width, max_len)
    batch = np.full((len(sequences), width), PAD, dtype=np.int32)
    for row, seq in enumerate(sequences):
        if len(seq) > width:
            seq = [*seq[: width - 1], EOS] if seq[-1] == EOS else seq[:width]
        batch[row, : len(seq)] = seq
    return batch
