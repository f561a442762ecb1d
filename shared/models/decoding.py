"""Greedy and beam-search decoding of any step function, vectorised over the batch and the beam.

A step function maps the previous tokens (B,) and a state dict (every array batch-first) to the next
token's log-probabilities (B, V), the new state and the attention over the source (B, S). Beam search
follows GNMT (Wu et al. 2016): hypotheses are ranked by score / ((5 + length) / 6) ** length_penalty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

State = dict[str, np.ndarray]
StepFn = Callable[[np.ndarray, State], tuple[np.ndarray, State, np.ndarray]]
Step = tuple[np.ndarray, np.ndarray, np.ndarray]  # (parent slots, chosen tokens, attention by parent slot)
LENGTH_PENALTY = 1.0  # GNMT alpha (picked on Multi30k val); 0 ranks by raw log-prob, larger favours longer


@dataclass(frozen=True)
class Hypotheses:
    """The chosen output of each sentence: ids without bos (ending with eos when it was produced), the
    raw sum of their log-probs (B,) float64, and the attention rows (len(tokens), S) of their steps.
    Beam search also ranks every candidate of each sentence: (ids, normalised score), best first."""

    tokens: list[list[int]]
    scores: np.ndarray
    attention: list[np.ndarray]
    alternatives: list[list[tuple[list[int], float]]] = field(default_factory=list)


def batch_size(state: State) -> int:
    """The leading dimension shared by every array of the state."""
    return len(next(iter(state.values())))


def normalised_score(score: float, length: int, length_penalty: float) -> float:
    """GNMT length normalisation: score / ((5 + length) / 6) ** length_penalty."""
    return score / ((5 + length) / 6) ** length_penalty


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Column indices (rows, k) of the k largest entries of each row, best first; ties go to the lowest
    index, as with a stable argsort or argmax, in linear time."""
    kth = -np.partition(-values, k - 1, axis=1)[:, k - 1 : k]
    above = values > kth
    at_kth = values == kth
    ties = at_kth & (np.cumsum(at_kth, axis=1) <= k - above.sum(axis=1, keepdims=True))
    picked = np.nonzero(above | ties)[1].reshape(len(values), k)
    order = np.argsort(-np.take_along_axis(values, picked, axis=1), axis=1, kind="stable")
    return np.take_along_axis(picked, order, axis=1)


def greedy_decode(step: StepFn, state: State, *, bos: int, eos: int, max_len: int) -> Hypotheses:
    """Take the most likely token at every step until each sentence has produced eos or max_len tokens."""
    size = batch_size(state)
    tokens = np.full(size, bos, np.int32)
    scores = np.zeros(size)
    ended = np.zeros(size, bool)
    chosen, rows = [], []
    for _ in range(max_len):
        log_probs, state, attention = step(tokens, state)
        candidates = scores[:, None] + log_probs
        tokens = candidates.argmax(axis=1).astype(np.int32)
        scores = np.where(ended, scores, candidates[np.arange(size), tokens])
        chosen.append(tokens)
        rows.append(attention)
        ended |= tokens == eos
        if ended.all():
            break
    chosen, rows = np.stack(chosen, axis=1), np.stack(rows, axis=1)
    lengths = [_length(sentence, eos) for sentence in chosen]
    return Hypotheses(
        tokens=[sentence[:n].tolist() for sentence, n in zip(chosen, lengths, strict=True)],
        scores=scores,
        attention=[sentence[:n] for sentence, n in zip(rows, lengths, strict=True)],
    )


def _length(tokens: np.ndarray, eos: int) -> int:
    """Tokens up to and including the first eos, or all of them."""
    ends = np.flatnonzero(tokens == eos)
    return int(ends[0]) + 1 if len(ends) else len(tokens)


def beam_search(
    step: StepFn,
    state: State,
    *,
    beam: int,
    bos: int,
    eos: int,
    max_len: int,
    length_penalty: float = LENGTH_PENALTY,
) -> Hypotheses:
    """Keep the `beam` best live prefixes of every sentence; a prefix ending in eos leaves the beam as a
    finished hypothesis. A sentence stops with `beam` finished ones, and all stop at max_len, where the
    live prefixes compete too. Each sentence returns its best hypothesis by normalised score."""
    size = batch_size(state)
    state = {key: np.repeat(value, beam, axis=0) for key, value in state.items()}
    tokens = np.full(size * beam, bos, np.int32)
    scores = np.full((size, beam), -np.inf)
    scores[:, 0] = 0.0  # the beam starts as one prefix, not `beam` copies of it
    offsets = np.arange(size)[:, None] * beam
    finished: list[list[tuple[float, int, int]]] = [[] for _ in range(size)]
    history: list[Step] = []
    while len(history) < max_len and np.isfinite(scores).any():
        log_probs, state, attention = step(tokens, state)
        vocab = log_probs.shape[1]
        candidates = (scores[:, :, None] + log_probs.reshape(size, beam, vocab)).reshape(size, -1)
        best = top_k(candidates, beam)
        scores = np.take_along_axis(candidates, best, axis=1)
        parents = (offsets + best // vocab).ravel()
        tokens = (best % vocab).astype(np.int32).ravel()
        state = {key: value[parents] for key, value in state.items()}
        history.append((parents, tokens, attention))
        scores = _retire(scores, tokens.reshape(size, beam) == eos, finished, len(history))
    return _choose(scores, finished, history, length_penalty)


def _retire(
    scores: np.ndarray, ends: np.ndarray, finished: list[list[tuple[float, int, int]]], length: int
) -> np.ndarray:
    """Move live prefixes that just produced eos to `finished` as (raw score, length, slot), at most
    `beam` per sentence, and return the live scores with those slots and every full sentence at -inf."""
    size, beam = scores.shape
    ends = ends & np.isfinite(scores)
    for sentence, slot in zip(*np.nonzero(ends), strict=True):  # best first within a sentence
        if len(finished[sentence]) < beam:
            finished[sentence].append((float(scores[sentence, slot]), length, sentence * beam + slot))
    full = np.array([len(hypotheses) == beam for hypotheses in finished])
    return np.where(ends | full[:, None], -np.inf, scores)


def _choose(
    scores: np.ndarray, finished: list[list[tuple[float, int, int]]], history: list[Step], alpha: float
) -> Hypotheses:
    """Per sentence, the finished or live hypothesis with the best normalised score, traced back."""
    beam = scores.shape[1]
    tokens, raw, attention, alternatives = [], [], [], []
    for sentence, done in enumerate(finished):
        live = [
            (float(score), len(history), sentence * beam + slot)
            for slot, score in enumerate(scores[sentence])
            if np.isfinite(score)
        ]
        ranked = sorted(done + live, key=lambda h: -normalised_score(h[0], h[1], alpha))
        score, length, slot = ranked[0]
        ids, rows = _trace(history[:length], slot)
        tokens.append(ids)
        raw.append(score)
        attention.append(rows)
        alternatives.append(
            [(_trace(history[:n], s)[0], normalised_score(v, n, alpha)) for v, n, s in ranked]
        )
    return Hypotheses(tokens, np.asarray(raw, np.float64), attention, alternatives)


def _trace(history: list[Step], slot: int) -> tuple[list[int], np.ndarray]:
    """The tokens and attention rows of the prefix in `slot` after the last step of `history`."""
    ids, rows = [], []
    for parents, chosen, attention in reversed(history):
        ids.append(int(chosen[slot]))
        slot = parents[slot]
        rows.append(attention[slot])
    return ids[::-1], np.stack(rows[::-1])
