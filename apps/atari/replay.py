"""Replay buffer that keeps one uint8 frame per transition and rebuilds frame stacks when sampling.

An observation of the vector env is a stack of its last frames, oldest first, with zero frames in the slots
before the episode's first frame. The buffer stores only the newest frame of each observation, in one ring per
env, so 1M transitions of 84x84 frames take about 7 GB instead of 28 GB. Stacks are rebuilt with zeros before
the most recent episode start, reproducing what the env gave. One edge differs: where the walk back reaches
frames the ring has already overwritten (the oldest stack - 1 transitions of a long episode), those slots are
zeros too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dldemo.apps.atari.targets import n_step_return
from dldemo.shared.train.checkpoint import atomic_path


@dataclass(frozen=True)
class Batch:
    """Sampled transitions with n-step returns."""

    observations: np.ndarray  # (B, stack, H, W) uint8
    actions: np.ndarray  # (B,) int32
    returns: np.ndarray  # (B,) float32 discounted sum of the n rewards, cut at a done
    discounts: np.ndarray  # (B,) float32 gamma^n, or 0 where the episode ended within the n steps
    next_observations: np.ndarray  # (B, stack, H, W) uint8 stack n steps later (any where discount is 0)


class FrameReplay:
    """Uniform n-step replay over num_envs rings of capacity // num_envs single frames each."""

    def __init__(
        self,
        capacity: int,
        num_envs: int,
        *,
        frame_shape: tuple[int, int] = (84, 84),
        stack: int = 4,
        n_step: int = 1,
        gamma: float = 0.99,
        seed: int = 0,
    ) -> None:
        self.slots = capacity // num_envs
        if self.slots < stack + n_step:
            raise ValueError(f"capacity {capacity} gives {self.slots} slots per env, under stack + n_step")
        self.num_envs, self.frame_shape, self.stack = num_envs, tuple(frame_shape), stack
        self.n_step, self.gamma = n_step, gamma
        self.rng = np.random.default_rng(seed)
        self.steps = 0  # vector steps added so far; step t lives in slot t % slots of every env
        self.frames = np.zeros((num_envs, self.slots, *self.frame_shape), np.uint8)
        self.actions = np.zeros((num_envs, self.slots), np.int32)
        self.rewards = np.zeros((num_envs, self.slots), np.float32)
        self.dones = np.zeros((num_envs, self.slots), bool)
        self.starts = np.zeros((num_envs, self.slots), bool)

    def add(
        self,
        observations: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        dones: np.ndarray,
        episode_starts: np.ndarray,
    ) -> None:
        """Stores one vector step.

        observations: (N, stack, H, W) uint8 that each env acted on (only the newest frame is kept);
        actions, rewards (already clipped): (N,); dones: (N,) bool, the episode ended with this step
        (no bootstrap across it); episode_starts: (N,) bool, this observation is the first of its episode.
        """
        expected = (self.num_envs, self.stack, *self.frame_shape)
        if observations.shape != expected:
            raise ValueError(f"observations have shape {observations.shape}, expected {expected}")
        slot = self.steps % self.slots
        self.frames[:, slot] = observations[:, -1]
        self.actions[:, slot] = actions
        self.rewards[:, slot] = rewards
        self.dones[:, slot] = dones
        self.starts[:, slot] = episode_starts
        self.steps += 1

    def __len__(self) -> int:
        return self.num_envs * min(self.steps, self.slots)

    def can_sample(self) -> bool:
        """Whether at least one transition has its n steps and next observation stored."""
        return self._valid()[0] > 0

    def sample(self, batch_size: int) -> Batch:
        """Draws batch_size transitions uniformly, with replacement, from the valid (env, step) pairs."""
        total, first, per_env, late_envs = self._valid()
        if total == 0:
            raise ValueError("no transition can be sampled yet")
        pick = self.rng.integers(total, size=batch_size)
        env, offset = np.divmod(pick, max(per_env, 1))
        step = first + offset
        late = pick - self.num_envs * per_env
        is_late = late >= 0
        env[is_late] = late_envs[late[is_late]]
        step[is_late] = self.steps - self.n_step

        ahead = step[:, None] + np.arange(self.n_step)
        dones = self.dones[env[:, None], ahead % self.slots]
        returns, discounts = n_step_return(self.rewards[env[:, None], ahead % self.slots], dones, self.gamma)
        next_step = np.where(dones.any(axis=1), step, step + self.n_step)
        return Batch(
            observations=self._stacks(env, step),
            actions=self.actions[env, step % self.slots],
            returns=returns,
            discounts=discounts,
            next_observations=self._stacks(env, next_step),
        )

    def _valid(self) -> tuple[int, int, int, np.ndarray]:
        """(count, first, per_env, late_envs) of the valid pairs.

        Every env has per_env valid steps first, first + 1, ... (n steps and the next frame stored); the envs
        in late_envs also have step steps - n_step, whose next frame is missing but whose episode ends within
        its n steps.
        """
        first = max(0, self.steps - self.slots)
        per_env = max(0, self.steps - self.n_step - first)
        late_envs = np.zeros(0, np.int64)
        if self.steps - self.n_step >= first:
            window = np.arange(self.steps - self.n_step, self.steps) % self.slots
            late_envs = np.flatnonzero(self.dones[:, window].any(axis=1))
        return self.num_envs * per_env + len(late_envs), first, per_env, late_envs

    def _stacks(self, env: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Stacks of the observations at the given steps, zeros before the episode start or the ring's end."""
        times = step[:, None] - np.arange(self.stack - 1, -1, -1)  # (B, stack), oldest first
        stacks = self.frames[env[:, None], times % self.slots]
        # A frame is from an earlier episode where a later observation of the stack starts one.
        starts_next = self.starts[env[:, None], (times[:, :-1] + 1) % self.slots]
        earlier = np.logical_or.accumulate(starts_next[:, ::-1], axis=1)[:, ::-1]
        stacks[:, :-1][earlier] = 0
        stacks[times < max(0, self.steps - self.slots)] = 0
        return stacks

    def save(self, path: str | os.PathLike) -> None:
        """Writes the filled part of the buffer, the position and the random state to an uncompressed .npz
        file at path, atomically (a short run's file holds only the frames it saw)."""
        filled = min(self.steps, self.slots)
        path = Path(path)
        config = {
            "capacity": self.slots * self.num_envs,
            "num_envs": self.num_envs,
            "frame_shape": list(self.frame_shape),
            "stack": self.stack,
            "n_step": self.n_step,
            "gamma": self.gamma,
        }
        with atomic_path(path) as temporary, open(temporary, "wb") as file:
            np.savez(
                file,
                config=np.array(json.dumps(config)),
                rng_state=np.array(json.dumps(self.rng.bit_generator.state)),
                steps=np.array(self.steps, np.int64),
                frames=self.frames[:, :filled],
                actions=self.actions[:, :filled],
                rewards=self.rewards[:, :filled],
                dones=self.dones[:, :filled],
                starts=self.starts[:, :filled],
            )

    @classmethod
    def load(cls, path: str | os.PathLike) -> FrameReplay:
        """Reads a buffer written by save; sampling goes on exactly as without the round trip."""
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["config"]))
            replay = cls(
                config["capacity"],
                config["num_envs"],
                frame_shape=tuple(config["frame_shape"]),
                stack=config["stack"],
                n_step=config["n_step"],
                gamma=config["gamma"],
            )
            state = json.loads(str(data["rng_state"]))
            replay.rng = np.random.Generator(getattr(np.random, state["bit_generator"])())
            replay.rng.bit_generator.state = state
            replay.steps = int(data["steps"])
            for name in ("frames", "actions", "rewards", "dones", "starts"):
                saved = data[name]  # the filled slots: step t lives in slot t % slots
                getattr(replay, name)[:, : saved.shape[1]] = saved
        return replay
