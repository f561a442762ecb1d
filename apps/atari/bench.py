"""Throughput of the parts of training: emulators alone, emulators + batched acting, and learning."""

from __future__ import annotations

import time

import numpy as np

from dldemo.apps.atari.envs import EnvSettings, VectorGames
from dldemo.apps.atari.learner import compile_q_network, make_learner
from dldemo.apps.atari.network import build_q_network
from dldemo.apps.atari.policy import epsilon_greedy
from dldemo.apps.atari.recipes import recipe_for
from dldemo.shared.bench import seconds_per_call


def stepping_rate(game: str, envs: int, seconds: float, learner=None) -> float:
    """Agent steps per second over ``envs`` games, random moves or (with ``learner``) epsilon-greedy ones."""
    games = VectorGames(game, envs, EnvSettings(), training=True, seed=0)
    rng = np.random.default_rng(0)
    try:
        steps, start = 0, None
        while start is None or time.perf_counter() - start < seconds:
            if learner is None:
                actions = rng.integers(0, games.num_actions, envs)
            else:
                actions = epsilon_greedy(learner.q_values(games.observations), 0.01, rng)
            games.step(actions)
            if start is None:  # the first step compiles the network
                start = time.perf_counter()
            else:
                steps += envs
        return steps / (time.perf_counter() - start)
    finally:
        games.close()


def learning_throughput(preset: str, envs: int, updates: int) -> float:
    """Samples per second through PQN updates (epochs x minibatches gradient steps per rollout)."""
    recipe = recipe_for(preset, "pqn", envs=envs)
    model = compile_q_network(build_q_network(6), learning_rate=recipe.learning_rate, loss="mse")
    learner = make_learner(model)
    rows = recipe.steps_per_update
    rng = np.random.default_rng(0)
    observations = rng.integers(0, 256, (rows, 4, 84, 84), dtype=np.uint8)
    actions, targets = rng.integers(0, 6, rows), rng.normal(size=rows).astype(np.float32)
    batches = np.concatenate(
        [rng.permutation(rows).reshape(recipe.minibatches, -1) for _ in range(recipe.epochs)]
    )
    return rows / seconds_per_call(lambda: learner.update(observations, actions, targets, batches), updates)


def benchmark(game: str, preset: str, envs: int | None, seconds: float) -> dict:
    recipe = recipe_for(preset, "pqn", envs=envs)
    total = recipe.envs + recipe.test_envs
    model = compile_q_network(build_q_network(6), learning_rate=1e-4, loss="mse")
    learner = make_learner(model)
    return {
        "envs": total,
        "env_steps_per_s": round(stepping_rate(game, total, seconds), 1),
        "acting_steps_per_s": round(stepping_rate(game, total, seconds, learner), 1),
        "learning_samples_per_s": round(learning_throughput(preset, recipe.envs, 3), 1),
        "learner": type(learner).__name__,
    }
