"""Greedy and beam-search decoding on toy step functions whose best outputs are known."""

from __future__ import annotations

import numpy as np
import pytest

from dldemo.shared.models.decoding import (
    LENGTH_PENALTY,
    Hypotheses,
    StepFn,
    beam_search,
    greedy_decode,
    normalised_score,
    top_k,
)

BOS, EOS, A, B = 0, 1, 2, 3
WIDTH = 4  # source positions of the toy attention


def one_hot(positions: np.ndarray) -> np.ndarray:
    """Attention rows (len(positions), WIDTH) peaked at each position mod WIDTH."""
    return np.eye(WIDTH, dtype=np.float32)[positions % WIDTH]


def markov(table: np.ndarray) -> StepFn:
    """Step of a Markov chain, log P(next | prev) = table[row, prev], row being each sentence's state;
    the attention is one-hot at (step number + prev), so every row tells which prefix it came from."""

    def step(tokens: np.ndarray, state: dict[str, np.ndarray]):
        counter = state["counter"] + 1
        log_probs = table[state["row"], tokens].astype(np.float32)
        return log_probs, {**state, "counter": counter}, one_hot(counter + tokens)

    return step


def markov_state(rows: list[int]) -> dict[str, np.ndarray]:
    """Markov state with a per-sentence row id, a step counter and a never-changing (B, WIDTH, 2) memory."""
    return {
        "row": np.asarray(rows),
        "counter": np.zeros(len(rows), np.int64),
        "memory": np.arange(len(rows) * WIDTH * 2, dtype=np.float32).reshape(len(rows), WIDTH, 2),
    }


def random_table(seed: int, rows: int = 3, vocab: int = 6, spread: float = 2.0) -> np.ndarray:
    """Random log P(next | prev) tables (rows, vocab, vocab)."""
    logits = np.random.default_rng(seed).normal(0, spread, (rows, vocab, vocab))
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def chain(*rows: list[float]) -> np.ndarray:
    """A one-row Markov table from probability rows indexed by the previous token."""
    return np.log(np.asarray(rows, np.float64))[None]


def path_score(table: np.ndarray, row: int, tokens: list[int]) -> float:
    """The sum of the float32 log-probs along tokens after bos, in decoding order."""
    score = 0.0
    for prev, token in zip([BOS, *tokens[:-1]], tokens, strict=True):
        score += float(np.float32(table[row, prev, token]))
    return score


def markov_attention(tokens: list[int]) -> np.ndarray:
    """The attention rows markov() gives along tokens."""
    return one_hot(np.arange(1, len(tokens) + 1) + np.asarray([BOS, *tokens[:-1]]))


def assert_same(first: Hypotheses, second: Hypotheses) -> None:
    assert first.tokens == second.tokens
    np.testing.assert_array_equal(first.scores, second.scores)
    assert len(first.attention) == len(second.attention)
    for mine, theirs in zip(first.attention, second.attention, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_top_k_is_a_stable_descending_sort():
    values = np.random.default_rng(0).integers(-3, 3, (50, 12)).astype(np.float64)
    values[values == -3] = -np.inf
    for k in (1, 3, 12):
        np.testing.assert_array_equal(top_k(values, k), np.argsort(-values, axis=1, kind="stable")[:, :k])


@pytest.mark.parametrize("seed", range(5))
def test_beam_of_one_is_greedy(seed):
    step, state = markov(random_table(seed)), markov_state([0, 1, 2])
    greedy = greedy_decode(step, state, bos=BOS, eos=EOS, max_len=8)
    assert_same(beam_search(step, state, beam=1, bos=BOS, eos=EOS, max_len=8), greedy)


def test_beam_finds_the_sequence_greedy_misses():
    table = chain(
        [0.001, 0.001, 0.598, 0.4],  # after bos: A is likelier ...
        [0.25, 0.25, 0.25, 0.25],
        [0.12, 0.3, 0.29, 0.29],  # ... but leads nowhere in particular
        [0.003, 0.99, 0.004, 0.003],  # while B almost surely ends
    )
    step, state = markov(table), markov_state([0])
    greedy = greedy_decode(step, state, bos=BOS, eos=EOS, max_len=5)
    found = beam_search(step, state, beam=2, bos=BOS, eos=EOS, max_len=5)
    assert greedy.tokens == [[A, EOS]]
    assert found.tokens == [[B, EOS]]
    assert found.scores[0] > greedy.scores[0]
    assert found.scores[0] == pytest.approx(np.log(0.4 * 0.99), rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("beam", [1, 3])
def test_scores_and_attention_follow_the_returned_tokens(seed, beam):
    table = random_table(seed)
    found = beam_search(markov(table), markov_state([0, 1, 2]), beam=beam, bos=BOS, eos=EOS, max_len=7)
    for row, (tokens, score, attention) in enumerate(
        zip(found.tokens, found.scores, found.attention, strict=True)
    ):
        assert score == pytest.approx(path_score(table, row, tokens), rel=1e-12)
        np.testing.assert_array_equal(attention, markov_attention(tokens))
    assert found.scores.dtype == np.float64


@pytest.mark.parametrize("seed", range(3))
def test_alternatives_rank_every_candidate_with_the_chosen_one_first(seed):
    table = random_table(seed)
    found = beam_search(markov(table), markov_state([0, 1]), beam=3, bos=BOS, eos=EOS, max_len=6)
    for row, ranked in enumerate(found.alternatives):
        assert ranked[0][0] == found.tokens[row] and 1 <= len(ranked) <= 2 * 3
        scores = [score for _, score in ranked]
        assert scores == sorted(scores, reverse=True)
        for tokens, score in ranked:
            expected = normalised_score(path_score(table, row, tokens), len(tokens), LENGTH_PENALTY)
            assert score == pytest.approx(expected, rel=1e-9)
    assert greedy_decode(markov(table), markov_state([0]), bos=BOS, eos=EOS, max_len=6).alternatives == []


@pytest.mark.parametrize("seed", range(3))
def test_decoding_stops_at_eos(seed):
    table = random_table(seed, spread=1.0)
    table[:, :, EOS] += 1.0  # eos fairly likely, so sentences end at different steps
    step, state = markov(table), markov_state([0, 1, 2])
    for found in (
        greedy_decode(step, state, bos=BOS, eos=EOS, max_len=6),
        beam_search(step, state, beam=3, bos=BOS, eos=EOS, max_len=6),
    ):
        for tokens in found.tokens:
            assert EOS not in tokens[:-1]
            assert tokens[-1] == EOS or len(tokens) == 6
        assert any(tokens[-1] == EOS for tokens in found.tokens)


def test_max_len_caps_decoding_without_eos():
    table = random_table(0)
    table[:, :, EOS] = np.log(1e-9)
    step, state = markov(table), markov_state([0, 1, 2])
    for found in (
        greedy_decode(step, state, bos=BOS, eos=EOS, max_len=5),
        beam_search(step, state, beam=3, bos=BOS, eos=EOS, max_len=5),
    ):
        assert [len(tokens) for tokens in found.tokens] == [5, 5, 5]
        assert all(EOS not in tokens for tokens in found.tokens)
        assert [len(rows) for rows in found.attention] == [5, 5, 5]


SHORT_OR_LONG = chain(
    [0.001, 0.5, 0.48, 0.019],  # after bos: end now (0.5) or take A (0.48) ...
    [0.25, 0.25, 0.25, 0.25],
    [0.0004, 0.999, 0.0003, 0.0003],  # ... which then ends almost surely
    [0.25, 0.25, 0.25, 0.25],
)


def test_length_penalty_favours_longer_hypotheses():
    step, state = markov(SHORT_OR_LONG), markov_state([0])
    raw = beam_search(step, state, beam=2, bos=BOS, eos=EOS, max_len=4, length_penalty=0.0)
    normalised = beam_search(step, state, beam=2, bos=BOS, eos=EOS, max_len=4, length_penalty=1.0)
    assert raw.tokens == [[EOS]]
    assert normalised.tokens == [[A, EOS]]
    assert normalised.scores[0] < raw.scores[0]  # scores stay raw


def test_search_stops_once_every_sentence_has_beam_finished():
    calls = []

    def counted(tokens: np.ndarray, state: dict[str, np.ndarray]):
        calls.append(len(tokens))
        return markov(SHORT_OR_LONG)(tokens, state)

    found = beam_search(counted, markov_state([0, 0]), beam=2, bos=BOS, eos=EOS, max_len=10)
    assert calls == [4, 4]  # [EOS] then [A, EOS] fill both beams at step 2; live prefixes are dropped
    assert found.tokens == [[A, EOS], [A, EOS]]


@pytest.mark.parametrize("beam", [1, 2, 4])
def test_batch_decodes_like_single_sentences(beam):
    step = markov(random_table(7))
    batch = beam_search(step, markov_state([0, 1, 2]), beam=beam, bos=BOS, eos=EOS, max_len=8)
    alone = [
        beam_search(step, markov_state([row]), beam=beam, bos=BOS, eos=EOS, max_len=8) for row in range(3)
    ]
    assert batch.tokens == [hypotheses.tokens[0] for hypotheses in alone]
    np.testing.assert_array_equal(batch.scores, [hypotheses.scores[0] for hypotheses in alone])
    for rows, hypotheses in zip(batch.attention, alone, strict=True):
        np.testing.assert_array_equal(rows, hypotheses.attention[0])
    greedy = greedy_decode(step, markov_state([0, 1, 2]), bos=BOS, eos=EOS, max_len=8)
    assert greedy.tokens == [
        greedy_decode(step, markov_state([row]), bos=BOS, eos=EOS, max_len=8).tokens[0] for row in range(3)
    ]


def history_step(table: np.ndarray) -> StepFn:
    """A step whose log-probs table[step, digest] depend on the step number and on a digest of the whole
    prefix, both carried in the state: a hypothesis given another's state would score differently."""

    def step(tokens: np.ndarray, state: dict[str, np.ndarray]):
        digest = (state["digest"] * 5 + tokens + 1) % table.shape[1]
        log_probs = table[state["counter"], digest].astype(np.float32)
        return log_probs, {"counter": state["counter"] + 1, "digest": digest}, one_hot(digest)

    return step


def exhaustive(step: StepFn, state: dict[str, np.ndarray], *, max_len: int, alpha: float) -> tuple:
    """(tokens, raw score, attention) of the best hypothesis by normalised score among all sequences
    that end in eos or reach max_len, for a batch of one."""
    hypotheses = []

    def grow(tokens: list[int], score: float, rows: list[np.ndarray], state: dict[str, np.ndarray]) -> None:
        log_probs, state, attention = step(np.asarray([tokens[-1] if tokens else BOS], np.int32), state)
        for token, log_prob in enumerate(log_probs[0]):
            grown = (tokens + [token], score + float(log_prob), rows + [attention[0]])
            if token == EOS or len(grown[0]) == max_len:
                hypotheses.append(grown)
            else:
                grow(*grown, state)

    grow([], 0.0, [], state)
    return max(hypotheses, key=lambda h: normalised_score(h[1], len(h[0]), alpha))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("max_len", "alpha"), [(3, 0.0), (4, 1.0), (5, 0.6)])
def test_wide_beam_finds_the_exhaustive_optimum(seed, max_len, alpha):
    vocab, buckets = 3, 13
    logits = np.random.default_rng(seed).normal(0, 1.5, (max_len, buckets, vocab))
    logits[..., EOS] -= 1.0  # longer hypotheses, whose steps depend on gathered states, often win
    step = history_step(logits - np.log(np.exp(logits).sum(-1, keepdims=True)))
    starts = [0, 4, 9, 2, 11]
    state = {"counter": np.zeros(len(starts), np.int64), "digest": np.asarray(starts)}
    wide = vocab**max_len  # more than the candidates at any step: nothing is ever pruned
    found = beam_search(step, state, beam=wide, bos=BOS, eos=EOS, max_len=max_len, length_penalty=alpha)
    for index, start in enumerate(starts):
        single = {"counter": np.zeros(1, np.int64), "digest": np.asarray([start])}
        tokens, score, rows = exhaustive(step, single, max_len=max_len, alpha=alpha)
        assert found.tokens[index] == tokens
        assert found.scores[index] == score
        np.testing.assert_array_equal(found.attention[index], np.stack(rows))
