"""One game in full colour for watching, with the agent's own 84x84 view computed beside it.

``SingleGame`` reproduces AtariVectorEnv's preprocessing in NumPy/OpenCV (frame skip 4, max-pool of
the last two grey frames, 84x84 area resize, stack of 4 with zeros before the first frame, no-op starts,
FIRE on reset) and also returns every emulator frame in colour, so a game plays back at its native 60 fps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from dldemo.apps.atari.envs import SIZE, STACK, EnvSettings
from dldemo.apps.atari.policy import epsilon_greedy

NATIVE_FPS = 60.0


class SingleGame:
    """An ALE game stepped by the agent (4 frames a step) that keeps the colour frames for display."""

    def __init__(self, game: str, settings: EnvSettings, seed: int = 0) -> None:
        from ale_py import ALEInterface, LoggerMode, roms

        ALEInterface.setLoggerMode(LoggerMode.Error)
        self.ale = ALEInterface()
        self.ale.setInt("random_seed", seed)
        self.ale.setFloat("repeat_action_probability", settings.sticky)
        self.ale.setInt("max_num_frames_per_episode", settings.max_episode_frames)
        self.ale.loadROM(roms.get_rom_path(game))
        self.settings = settings
        self.actions = self.ale.getMinimalActionSet()
        self.rng = np.random.default_rng(seed)
        self.stack = np.zeros((STACK, SIZE, SIZE), np.uint8)
        self.grey = [np.zeros((210, 160), np.uint8), np.zeros((210, 160), np.uint8)]

    def _push(self, frame: np.ndarray) -> None:
        self.stack = np.concatenate([self.stack[1:], frame[None]])

    def _observe(self) -> np.ndarray:
        pooled = np.maximum(self.grey[0], self.grey[1])
        return cv2.resize(pooled, (SIZE, SIZE), interpolation=cv2.INTER_AREA)

    def reset(self) -> list[np.ndarray]:
        """A new game after random no-ops (and FIRE where needed); returns the colour frames played."""
        self.ale.reset_game()
        frames = []
        noop, fire = self.actions[0], [a for a in self.actions if a.name == "FIRE"]
        for action in [noop] * int(self.rng.integers(0, self.settings.noop_max + 1)) + fire:
            self.ale.act(action)
            frames.append(self.ale.getScreenRGB())
        grey = self.ale.getScreenGrayscale()
        self.grey = [grey, grey]
        self.stack = np.zeros_like(self.stack)
        self._push(self._observe())
        return frames

    def step(self, action: int) -> tuple[list[np.ndarray], float, bool]:
        """Play ``action`` for ``frame_skip`` frames: (colour frames, reward, game over)."""
        frames, reward = [], 0.0
        skip = self.settings.frame_skip
        for k in range(skip):
            reward += self.ale.act(self.actions[action])
            frames.append(self.ale.getScreenRGB())
            if k >= skip - 2:
                self.grey[k - (skip - 2)] = self.ale.getScreenGrayscale()
            if self.ale.game_over():
                break
        self._push(self._observe())
        return frames, reward, self.ale.game_over()


@dataclass
class Moment:
    """What the agent saw and did when a displayed frame was drawn."""

    frame: np.ndarray  # (210, 160, 3) colour
    q_values: np.ndarray  # (A,)
    action: int
    score: float
    game: int  # 1 for the first game played


def play(
    model, game: str, settings: EnvSettings, *, seed: int = 0, epsilon: float = 0.0, games: int | None = 1
) -> Iterator[Moment]:
    """Every colour frame of ``games`` games (None: forever), with the Q-values behind each move."""
    env = SingleGame(game, settings, seed)
    rng = np.random.default_rng(seed)
    number = 0
    while games is None or number < games:
        number += 1
        score = 0.0
        q_values = np.zeros(len(env.actions), np.float32)
        action = 0
        for frame in env.reset():
            yield Moment(frame, q_values, action, score, number)
        over = False
        while not over:
            q_values = np.asarray(model.predict_on_batch(env.stack[None]))[0]
            action = int(epsilon_greedy(q_values[None], epsilon, rng)[0])
            frames, reward, over = env.step(action)
            score += reward
            for frame in frames:
                yield Moment(frame, q_values, action, score, number)
