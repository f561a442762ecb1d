"""Many Atari games at once: ale-py's AtariVectorEnv (C++ threads) with Nature-DQN preprocessing.

The preprocessing runs inside ale-py: up to 30 no-op starts, frame skip 4 with a max-pool over the last
two frames, 84x84 grey, a stack of 4 (zeros before an episode's first frame), FIRE on reset where the game
needs it. Rewards come back unclipped so that scores are the game's; the trainer clips them itself.
Sticky actions default to 0, the "v4 NoFrameskip" setting behind CleanRL's and SB3's Atari scores;
``sticky=0.25`` gives the v5 setting of Machado et al. (2018).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STACK, SIZE = 4, 84


@dataclass(frozen=True)
class EnvSettings:
    """What makes two Atari scores comparable: keep these equal between runs you compare."""

    sticky: float = 0.0  # repeat_action_probability: 0 = v4 NoFrameskip semantics, 0.25 = v5
    noop_max: int = 30
    frame_skip: int = 4
    max_episode_frames: int = 108_000  # 30 minutes of play at 60 fps
    life_loss_terminal: bool = True  # training only: a lost life ends the episode for the learner


def make_envs(game: str, num_envs: int, settings: EnvSettings, *, training: bool, threads: int = 0):
    """An AtariVectorEnv of ``num_envs`` games with observations (N, 4, 84, 84) uint8, same-step autoreset."""
    from ale_py.vector_env import AtariVectorEnv

    return AtariVectorEnv(
        game,
        num_envs,
        num_threads=threads,
        repeat_action_probability=settings.sticky,
        max_num_frames_per_episode=settings.max_episode_frames,
        frameskip=settings.frame_skip,
        noop_max=settings.noop_max,
        stack_num=STACK,
        img_height=SIZE,
        img_width=SIZE,
        grayscale=True,
        maxpool=True,
        episodic_life=False,
        life_loss_info=training and settings.life_loss_terminal,
        reward_clipping=False,
        use_fire_reset=True,
        autoreset_mode="SameStep",
    )


@dataclass
class Step:
    """One vector step as the learner sees it."""

    observations: np.ndarray  # (N, 4, 84, 84) uint8, after autoreset
    rewards: np.ndarray  # (N,) float32, the game's own (unclipped)
    dones: np.ndarray  # (N,) bool: no bootstrapping across this step (game over, lost life, time limit)
    game_overs: np.ndarray  # (N,) bool: a real reset happened, ``observations`` start a new game
    finished_returns: list[tuple[int, float, int]] = field(default_factory=list)  # (env, return, length)


class EpisodeTracker:
    """Sums each env's unclipped rewards over whole games (across lives) and reports finished games."""

    def __init__(self, num_envs: int, lives: np.ndarray) -> None:
        self.returns = np.zeros(num_envs, np.float64)
        self.lengths = np.zeros(num_envs, np.int64)
        self.lives = lives.astype(np.int64).copy()

    def update(self, rewards: np.ndarray, terminated: np.ndarray, truncated: np.ndarray, lives: np.ndarray):
        """Returns (game_overs, finished): a lost life ends an episode but not the game (lives fall);
        a game over resets the lives (AtariVectorEnv resets in the same step), a time limit truncates."""
        self.returns += rewards
        self.lengths += 1
        game_overs = truncated | (terminated & (lives >= self.lives))
        finished = [
            (int(i), float(self.returns[i]), int(self.lengths[i])) for i in np.flatnonzero(game_overs)
        ]
        self.returns[game_overs] = 0.0
        self.lengths[game_overs] = 0
        self.lives = lives.astype(np.int64).copy()
        return game_overs, finished


class VectorGames:
    """``make_envs`` plus episode bookkeeping: ``step(actions)`` -> ``Step``."""

    def __init__(self, game: str, num_envs: int, settings: EnvSettings, *, training: bool, seed: int,
                 threads: int = 0) -> None:  # fmt: skip
        self.env = make_envs(game, num_envs, settings, training=training, threads=threads)
        self.num_envs = num_envs
        self.num_actions = int(self.env.single_action_space.n)
        self.observations, info = self.env.reset(seed=seed)
        self.tracker = EpisodeTracker(num_envs, info["lives"])

    def step(self, actions: np.ndarray) -> Step:
        observations, rewards, terminated, truncated, info = self.env.step(np.asarray(actions, np.int32))
        game_overs, finished = self.tracker.update(rewards, terminated, truncated, info["lives"])
        self.observations = observations
        return Step(observations, rewards.astype(np.float32), terminated | truncated, game_overs, finished)

    def close(self) -> None:
        self.env.close()
