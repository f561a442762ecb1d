"""Sentencepiece subwords: round trips, special ids, serialisation and batch padding."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dldemo.apps.translate.tokenizer import BOS, EOS, PAD, UNK, Subwords, pad_batch
from dldemo.shared.errors import UserError

SUBJECTS = [
    "A man",
    "Two dogs",
    "The little girl",
    "A woman in red",
    "Some children",
    "Ein Mann",
    "Zwei Hunde",
]
VERBS = ["is running along", "are playing near", "sits beside", "walks across", "looks at", "steht neben"]
PLACES = ["the beach.", "a busy street.", "the green park.", "einem Haus.", "the river.", "der Straße."]
CORPUS = [" ".join(words) for words in itertools.product(SUBJECTS, VERBS, PLACES)]


@pytest.fixture(scope="module", params=["unigram", "bpe"])
def subwords(request) -> Subwords:
    return Subwords.train(CORPUS, vocab_size=200, model_type=request.param)


def test_round_trip(subwords: Subwords) -> None:
    texts = ["A man is running along the beach.", "Zwei Hunde steht neben der Straße.", "Some children look."]
    assert subwords.decode(subwords.encode(texts)) == texts


def test_special_ids(subwords: Subwords) -> None:
    assert 50 < subwords.vocab_size <= 200
    ids = subwords.encode(["A man walks across the river."] + CORPUS[:50])
    assert all(row[-1] == EOS and EOS not in row[:-1] for row in ids)
    assert all(0 <= token < subwords.vocab_size for row in ids for token in row)
    assert not {PAD, BOS} & {token for row in ids for token in row}
    with_bos = subwords.encode(["A man walks."], add_bos=True, add_eos=False)[0]
    assert with_bos[0] == BOS and EOS not in with_bos
    assert (
        subwords.encode(["A man walks."], add_bos=True, add_eos=False)[0][1:]
        == subwords.encode(["A man walks."], add_eos=False)[0]
    )
    assert UNK in subwords.encode(["Ωμέγα"])[0]


def test_decode_stops_at_eos_and_ignores_pad_and_bos(subwords: Subwords) -> None:
    first, second = subwords.encode(["A man sits beside the river.", "Two dogs."], add_eos=False)
    rows = np.array([[BOS, *first, EOS, *second, PAD], [BOS, *second, PAD, PAD, *([PAD] * len(first))]])
    assert subwords.decode(rows) == ["A man sits beside the river.", "Two dogs."]
    assert subwords.decode([[PAD, *second, EOS, *first]]) == ["Two dogs."]


def test_pieces_join_to_the_text(subwords: Subwords) -> None:
    pieces = subwords.pieces("The little girl walks across the park.")
    assert len(pieces) > 1
    assert "".join(pieces).replace("\u2581", " ").strip() == "The little girl walks across the park."


def test_base64_round_trip_gives_identical_ids(subwords: Subwords) -> None:
    text = subwords.to_base64()
    assert isinstance(text, str) and text.isascii()
    restored = Subwords.from_base64(text)
    assert restored.proto == subwords.proto
    assert restored.encode(CORPUS[:20]) == subwords.encode(CORPUS[:20])


def test_bad_models_are_user_errors() -> None:
    with pytest.raises(UserError, match="not valid base64"):
        Subwords.from_base64("not base64 at all!")
    with pytest.raises(UserError, match="not a sentencepiece model"):
        Subwords(b"garbage bytes")


def test_pad_batch_pads_right_with_int32() -> None:
    batch = pad_batch([[5, 6, EOS], [7, EOS], [EOS]])
    assert batch.dtype == np.int32 and batch.shape == (3, 3)
    np.testing.assert_array_equal(batch, [[5, 6, EOS], [7, EOS, PAD], [EOS, PAD, PAD]])


def test_pad_batch_truncation_keeps_final_eos() -> None:
    batch = pad_batch([[5, 6, 7, 8, EOS], [9, EOS], [4, 5, 6, 7]], max_len=3)
    np.testing.assert_array_equal(batch, [[5, 6, EOS], [9, EOS, PAD], [4, 5, 6]])
    assert pad_batch([[5, EOS]], max_len=10).shape == (1, 2)
    with pytest.raises(UserError, match="max_len must be at least 1"):
        pad_batch([[5]], max_len=0)
