"""PQN (Gallici et al. 2024): vectorised epsilon-greedy rollouts and Q(lambda) targets, no replay buffer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dldemo.apps.atari.envs import VectorGames
from dldemo.apps.atari.learner import Learner
from dldemo.apps.atari.policy import epsilon_greedy
from dldemo.apps.atari.recipes import Recipe
from dldemo.apps.atari.targets import lambda_returns


class PQNAgent:
    """One ``iterate`` = a rollout of ``recipe.rollout`` steps in every env, then ``epochs`` x ``minibatches``
    gradient steps on it. The last ``recipe.test_envs`` envs play greedily and are never trained on."""

    def __init__(self, learner: Learner, recipe: Recipe, games: VectorGames, rng: np.random.Generator, *,
                 gradient_steps: int = 0) -> None:  # fmt: skip
        self.learner, self.recipe, self.games, self.rng = learner, recipe, games, rng
        self.gradient_steps = gradient_steps

    def save(self, folder: Path) -> None:
        """Nothing to add to the checkpoint: PQN keeps no replay buffer."""

    def iterate(self, epsilon: float) -> dict:
        recipe, envs = self.recipe, self.recipe.envs
        shape = (recipe.rollout, envs)
        observations = np.empty((*shape, *self.games.observations.shape[1:]), np.uint8)
        actions = np.empty(shape, np.int32)
        rewards = np.empty(shape, np.float32)
        dones = np.empty(shape, bool)
        max_q = np.empty((recipe.rollout + 1, envs), np.float32)
        finished = []
        epsilons = np.zeros(self.games.num_envs, np.float32)
        epsilons[:envs] = epsilon
        for t in range(recipe.rollout):
            q_values = self.learner.q_values(self.games.observations)
            max_q[t] = q_values[:envs].max(axis=1)
            chosen = epsilon_greedy(q_values, epsilons, self.rng)
            observations[t] = self.games.observations[:envs]
            step = self.games.step(chosen)
            actions[t], rewards[t], dones[t] = chosen[:envs], np.sign(step.rewards[:envs]), step.dones[:envs]
            finished += step.finished_returns
        max_q[-1] = self.learner.q_values(self.games.observations)[:envs].max(axis=1)
        targets = lambda_returns(rewards, dones, max_q[1:], recipe.gamma, recipe.lam)
        rows = recipe.steps_per_update
        batches = np.concatenate(
            [self.rng.permutation(rows).reshape(recipe.minibatches, -1) for _ in range(recipe.epochs)]
        )
        loss = self.learner.update(
            observations.reshape(rows, *observations.shape[2:]),
            actions.reshape(rows),
            targets.reshape(rows),
            batches,
        )
        self.gradient_steps += len(batches)
        return {"steps": rows, "loss": loss, "q": float(max_q.mean()), "finished": finished}
