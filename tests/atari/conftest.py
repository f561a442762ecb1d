"""A toy vector environment with the interface of ``VectorGames``, learnable in seconds on a CPU."""

import numpy as np
import pytest

from dldemo.apps.atari.envs import SIZE, STACK, Step


class LightGames:
    """N games of 4 steps: a bright band lights one third of the newest frame; the action naming that
    third earns +1. A random agent scores 4/3 a game, a perfect one 4."""

    num_actions = 3
    length = 4

    def __init__(self, num_envs: int, seed: int = 0) -> None:
        self.num_envs = num_envs
        self.rng = np.random.default_rng(seed)
        self.targets = self.rng.integers(0, 3, num_envs)
        self.t = np.zeros(num_envs, int)
        self.returns = np.zeros(num_envs)
        self.observations = np.zeros((num_envs, STACK, SIZE, SIZE), np.uint8)
        self._draw(np.ones(num_envs, bool))

    def _draw(self, fresh: np.ndarray) -> None:
        self.observations = self.observations.copy()  # a new array each step, as AtariVectorEnv gives
        self.observations[fresh] = 0
        self.observations[:, :-1] = self.observations[:, 1:]
        frame = np.zeros((self.num_envs, SIZE, SIZE), np.uint8)
        for env, target in enumerate(self.targets):
            frame[env, :, target * 28 : (target + 1) * 28] = 200
        self.observations[:, -1] = frame

    def step(self, actions: np.ndarray) -> Step:
        rewards = (np.asarray(actions) == self.targets).astype(np.float32)
        self.returns += rewards
        self.t += 1
        over = self.t >= self.length
        finished = [(int(i), float(self.returns[i]), self.length) for i in np.flatnonzero(over)]
        self.t[over], self.returns[over] = 0, 0.0
        self.targets = self.rng.integers(0, 3, self.num_envs)
        self._draw(over)
        return Step(self.observations, rewards, over.copy(), over.copy(), finished)

    def close(self) -> None:
        pass


@pytest.fixture
def light_games():
    return LightGames
