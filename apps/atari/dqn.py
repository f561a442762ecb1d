"""The DQN family: replay of single frames, n-step double Q-learning, a target network (Mnih et al. 2015,
van Hasselt et al. 2016, Wang et al. 2016, Hessel et al. 2018)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dldemo.apps.atari.envs import STACK, VectorGames
from dldemo.apps.atari.learner import Learner
from dldemo.apps.atari.policy import epsilon_greedy
from dldemo.apps.atari.recipes import Recipe
from dldemo.apps.atari.replay import FrameReplay
from dldemo.apps.atari.targets import double_q_targets, max_q_targets

VECTOR_STEPS_PER_ITERATION = 32
REPLAY_FILE = "replay.npz"  # in the run folder, beside checkpoint.keras


def replay_for(recipe: Recipe, folder: Path, *, resumed: bool, seed: int) -> FrameReplay:
    """The replay buffer a resumed run saved in ``folder``, else an empty one."""
    if resumed and (folder / REPLAY_FILE).is_file():
        return FrameReplay.load(folder / REPLAY_FILE)
    capacity = max(min(recipe.buffer, recipe.steps), recipe.envs * (STACK + recipe.n_step + 1))  # no bigger
    return FrameReplay(capacity, recipe.envs, n_step=recipe.n_step, gamma=recipe.gamma, seed=seed)


class DQNAgent:
    """One ``iterate`` = 32 vector steps; after ``learning_starts`` steps, one gradient step per
    ``train_every`` agent steps on replayed n-step transitions. The last ``test_envs`` envs play greedily."""

    def __init__(
        self,
        learner: Learner,
        recipe: Recipe,
        games: VectorGames,
        rng: np.random.Generator,
        replay: FrameReplay,
        *,
        gradient_steps: int = 0,
    ) -> None:
        self.learner, self.recipe, self.games, self.rng, self.replay = learner, recipe, games, rng, replay
        self.episode_starts = np.ones(recipe.envs, bool)
        self.gradient_steps = gradient_steps
        self.owed = 0.0  # gradient steps due but not taken yet
        if getattr(learner, "target", None) is None and getattr(learner, "target_trainable", None) is None:
            learner.update_target()

    def save(self, folder: Path) -> None:
        """The replay buffer (large: the trainer saves it on Ctrl-C and at the end, not every checkpoint)."""
        self.replay.save(folder / REPLAY_FILE)

    def iterate(self, epsilon: float) -> dict:
        recipe, envs = self.recipe, self.recipe.envs
        epsilons = np.zeros(self.games.num_envs, np.float32)
        epsilons[:envs] = epsilon
        finished, losses = [], []
        for _ in range(VECTOR_STEPS_PER_ITERATION):
            observations = self.games.observations
            chosen = epsilon_greedy(self.learner.q_values(observations), epsilons, self.rng)
            step = self.games.step(chosen)
            self.replay.add(
                observations[:envs], chosen[:envs], np.sign(step.rewards[:envs]), step.dones[:envs],
                self.episode_starts,
            )  # fmt: skip
            self.episode_starts = step.game_overs[:envs].copy()
            finished += step.finished_returns
            if len(self.replay) >= recipe.learning_starts and self.replay.can_sample():
                self.owed += envs / recipe.train_every
                while self.owed >= 1:
                    losses.append(self.learn())
                    self.owed -= 1
        return {
            "steps": VECTOR_STEPS_PER_ITERATION * envs,
            "loss": float(np.mean(losses)) if losses else float("nan"),
            "finished": finished,
        }

    def learn(self) -> float:
        """One gradient step on a replayed batch; copies the online network to the target on schedule."""
        batch = self.replay.sample(self.recipe.batch)
        next_target = self.learner.q_values(batch.next_observations, target=True)
        if self.recipe.double:
            next_online = self.learner.q_values(batch.next_observations)
            targets = double_q_targets(batch.returns, batch.discounts, next_online, next_target)
        else:
            targets = max_q_targets(batch.returns, batch.discounts, next_target)
        loss = self.learner.update(batch.observations, batch.actions, targets, np.arange(len(targets))[None])
        self.gradient_steps += 1
        if self.gradient_steps % self.recipe.target_every == 0:
            self.learner.update_target()
        return loss
