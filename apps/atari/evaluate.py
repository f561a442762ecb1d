"""Scoring an agent the usual way: whole games (all lives), unclipped score, near-greedy actions."""

from __future__ import annotations

import numpy as np

from dldemo.apps.atari.envs import EnvSettings, VectorGames
from dldemo.apps.atari.policy import epsilon_greedy
from dldemo.shared.progress import Progress

EVAL_EPSILON = 0.01  # as in most DQN papers' evaluations; 0 can loop forever in some games
MAX_ENVS = 16


def evaluate(
    model,
    game: str,
    *,
    episodes: int = 10,
    seed: int = 0,
    epsilon: float = EVAL_EPSILON,
    settings: EnvSettings | None = None,
) -> dict:
    """Play ``episodes`` games (several at once) and report their returns.

    Each env plays a fixed quota of games, so short games are not over-represented.
    """
    settings = settings or EnvSettings()
    num_envs = min(episodes, MAX_ENVS)
    quota = np.full(num_envs, episodes // num_envs) + (np.arange(num_envs) < episodes % num_envs)
    games = VectorGames(game, num_envs, settings, training=False, seed=seed)
    rng = np.random.default_rng(seed)
    returns: list[list[float]] = [[] for _ in range(num_envs)]
    lengths: list[int] = []
    bar = Progress(episodes, label=f"atari: playing {game}", unit="game")
    try:
        while any(len(r) < q for r, q in zip(returns, quota, strict=True)):
            q_values = np.asarray(model.predict_on_batch(games.observations))
            step = games.step(epsilon_greedy(q_values, epsilon, rng))
            for env, episode_return, length in step.finished_returns:
                if len(returns[env]) < quota[env]:
                    returns[env].append(episode_return)
                    lengths.append(length)
                    bar.update()
    finally:
        games.close()
        bar.close()
    scores = np.array([r for per_env in returns for r in per_env])
    return {
        "game": game,
        "mean_return": float(scores.mean()),
        "std_return": float(scores.std()),
        "min_return": float(scores.min()),
        "max_return": float(scores.max()),
        "episodes": int(len(scores)),
        "returns": scores.tolist(),
        "mean_length": float(np.mean(lengths)),
        "epsilon": epsilon,
        "seed": seed,
        "sticky": settings.sticky,
    }
