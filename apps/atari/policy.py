"""Acting: epsilon-greedy choices for a whole batch of environments at once."""

from __future__ import annotations

import numpy as np


def epsilon_greedy(
    q_values: np.ndarray, epsilons: np.ndarray | float, rng: np.random.Generator
) -> np.ndarray:
    """Per row of ``q_values`` (N, A): a uniformly random action with probability epsilon, else the argmax."""
    greedy = q_values.argmax(axis=1)
    explore = rng.random(len(q_values)) < epsilons
    return np.where(explore, rng.integers(0, q_values.shape[1], len(q_values)), greedy).astype(np.int32)
