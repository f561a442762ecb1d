"""Q-learning targets in plain NumPy: n-step returns, (double) DQN targets and Peng's Q(lambda) returns."""

from __future__ import annotations

import numpy as np


def n_step_return(rewards: np.ndarray, dones: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Discounted sums of the n rewards after an action, cut after the first done.

    rewards, dones: (B, n), the rewards and episode ends of the n steps from the action on.
    Returns (returns, discounts), both (B,) float32: returns = sum_k gamma^k r_k up to and including the first
    done; discounts = gamma^n where no step ended the episode, else 0 (nothing to bootstrap from).
    """
    rewards = np.asarray(rewards, np.float64)
    alive_after = np.cumprod(~np.asarray(dones, bool), axis=1)
    alive_before = np.concatenate([np.ones_like(alive_after[:, :1]), alive_after[:, :-1]], axis=1)
    n = rewards.shape[1]
    returns = (rewards * alive_before * gamma ** np.arange(n)).sum(axis=1)
    discounts = gamma**n * alive_after[:, -1]
    return returns.astype(np.float32), discounts.astype(np.float32)


def double_q_targets(
    returns: np.ndarray, discounts: np.ndarray, next_q_online: np.ndarray, next_q_target: np.ndarray
) -> np.ndarray:
    """Double DQN targets, (B,) float32: returns + discounts * next_q_target[i, argmax_a next_q_online[i]]."""
    best = np.argmax(next_q_online, axis=1)[:, None]
    next_q = np.take_along_axis(np.asarray(next_q_target), best, axis=1)[:, 0]
    return (returns + discounts * next_q).astype(np.float32)


def max_q_targets(returns: np.ndarray, discounts: np.ndarray, next_q_target: np.ndarray) -> np.ndarray:
    """Plain DQN targets: returns + discounts * max_a next_q_target[i, a], (B,) float32."""
    return (returns + discounts * np.max(next_q_target, axis=1)).astype(np.float32)


def lambda_returns(
    rewards: np.ndarray, dones: np.ndarray, next_max_q: np.ndarray, gamma: float, lam: float
) -> np.ndarray:
    """Peng's Q(lambda) targets of a rollout, as PQN uses them.

    rewards, dones, next_max_q: (T, N); rewards[t], dones[t] follow the action at step t and
    next_max_q[t] = max_a Q(s_{t+1}, a), the last row bootstrapping the state after the rollout.
    G[t] = r[t] + gamma (1 - d[t]) (lam G[t+1] + (1 - lam) next_max_q[t]), with G[T] = next_max_q[T-1].
    Returns G, (T, N) float32: lam=0 gives one-step Q-learning targets, lam=1 Monte-Carlo returns
    bootstrapped at the end of the rollout.
    """
    rewards = np.asarray(rewards, np.float64)
    next_max_q = np.asarray(next_max_q, np.float64)
    continues = gamma * (1.0 - np.asarray(dones, np.float64))
    targets = np.empty_like(rewards)
    later = next_max_q[-1]
    for t in range(len(rewards) - 1, -1, -1):
        later = rewards[t] + continues[t] * (lam * later + (1.0 - lam) * next_max_q[t])
        targets[t] = later
    return targets.astype(np.float32)
