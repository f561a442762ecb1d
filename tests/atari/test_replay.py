"""FrameReplay against an independent simulation of the env's frame stacking.

Each 2x2 frame encodes its env and step: [[env + 1, step % 256], [step // 256, 1]], so a sampled stack tells
exactly where it came from and a zero frame is never mistaken for a real one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pytest

from dldemo.apps.atari.replay import FrameReplay

STACK = 4


def frame(env: int, step: int) -> np.ndarray:
    return np.array([[env + 1, step % 256], [step // 256, 1]], np.uint8)


def origin(image: np.ndarray) -> tuple[int, int]:
    """(env, step) of a frame."""
    image = image.astype(int)
    return image[0, 0] - 1, image[0, 1] + 256 * image[1, 0]


def where_from(stack: np.ndarray) -> tuple[int, int]:
    """(env, step) of a stack's newest frame."""
    return origin(stack[-1])


@dataclass
class Log:
    observations: np.ndarray  # (T, E, STACK, 2, 2) exactly as the env gave them
    actions: np.ndarray
    rewards: np.ndarray
    dones: np.ndarray
    starts: np.ndarray


def play(replay: FrameReplay, dones: np.ndarray, seed: int = 0, rewards: np.ndarray | None = None) -> Log:
    """Feeds the replay a vector env whose episodes end where dones (T, E) says; a deque per env stacks."""
    steps, envs = dones.shape
    rng = np.random.default_rng(seed)
    starts = np.concatenate([np.ones((1, envs), bool), dones[:-1]])
    actions = rng.integers(0, 6, (steps, envs))
    rewards = rng.normal(size=(steps, envs)).astype(np.float32) if rewards is None else rewards
    observations = np.zeros((steps, envs, STACK, 2, 2), np.uint8)
    stacks = [deque(maxlen=STACK) for _ in range(envs)]
    for t in range(steps):
        for env in range(envs):
            if starts[t, env]:
                stacks[env].extend([np.zeros((2, 2), np.uint8)] * STACK)
            stacks[env].append(frame(env, t))
            observations[t, env] = np.stack(stacks[env])
        replay.add(observations[t], actions[t], rewards[t], dones[t], starts[t])
    return Log(observations, actions, rewards, dones, starts)


def expected_stack(log: Log, env: int, step: int, oldest: int) -> np.ndarray:
    """The env's stack, with the frames the ring no longer holds (steps before oldest) as zeros."""
    stack = log.observations[step, env].copy()
    for back in range(STACK):
        if step - back < oldest:
            stack[STACK - 1 - back] = 0
    return stack


def valid_pairs(log: Log, capacity: int, n_step: int) -> set[tuple[int, int]]:
    """(env, step) pairs with n steps stored and either the next observation stored or a done among them."""
    steps, envs = log.dones.shape
    oldest = max(0, steps - capacity // envs)
    return {
        (env, t)
        for env in range(envs)
        for t in range(oldest, steps - n_step + 1)
        if t + n_step < steps or log.dones[t : t + n_step, env].any()
    }


def check_batch(replay: FrameReplay, batch, log: Log, gamma: float) -> list[tuple[int, int]]:
    """Checks every sampled transition against the log and returns the sampled (env, step) pairs."""
    steps, envs = log.dones.shape
    oldest = max(0, steps - replay.slots)
    assert batch.observations.dtype == batch.next_observations.dtype == np.uint8
    assert batch.actions.dtype == np.int32
    assert batch.returns.dtype == batch.discounts.dtype == np.float32
    pairs = []
    for b in range(len(batch.actions)):
        env, t = where_from(batch.observations[b])
        pairs.append((env, t))
        np.testing.assert_array_equal(batch.observations[b], expected_stack(log, env, t, oldest))
        assert batch.actions[b] == log.actions[t, env]
        total, scale, ended = 0.0, 1.0, False
        for k in range(t, t + replay.n_step):
            total += scale * float(log.rewards[k, env])
            scale *= gamma
            if log.dones[k, env]:
                ended = True
                break
        assert batch.returns[b] == pytest.approx(total, rel=1e-5, abs=1e-6)
        assert batch.discounts[b] == pytest.approx(0.0 if ended else gamma**replay.n_step)
        if not ended:
            later = expected_stack(log, env, t + replay.n_step, oldest)
            np.testing.assert_array_equal(batch.next_observations[b], later)
    return pairs


def test_zero_frames_before_the_episode_start():
    replay = FrameReplay(8, 1, frame_shape=(2, 2))
    play(replay, np.zeros((6, 1), bool))
    batch = replay.sample(300)
    zero = np.zeros((2, 2), np.uint8)
    seen = {}
    for stack in batch.observations:
        seen[where_from(stack)[1]] = stack
    assert set(seen) == {0, 1, 2, 3, 4}
    np.testing.assert_array_equal(seen[0], [zero, zero, zero, frame(0, 0)])
    np.testing.assert_array_equal(seen[1], [zero, zero, frame(0, 0), frame(0, 1)])
    np.testing.assert_array_equal(seen[4], [frame(0, t) for t in range(1, 5)])


def test_stacks_never_mix_two_episodes():
    replay = FrameReplay(10, 1, frame_shape=(2, 2))
    dones = np.zeros((7, 1), bool)
    dones[1] = True  # an episode of steps 0, 1, then one from step 2 on
    log = play(replay, dones)
    batch = replay.sample(400)
    pairs = check_batch(replay, batch, log, 0.99)
    assert set(pairs) == valid_pairs(log, 10, 1)
    zero = np.zeros((2, 2), np.uint8)
    for stack, (_, t) in zip(batch.observations, pairs, strict=True):
        if t == 2:
            np.testing.assert_array_equal(stack, [zero, zero, zero, frame(0, 2)])
        if t == 3:
            np.testing.assert_array_equal(stack, [zero, zero, frame(0, 2), frame(0, 3)])
        episodes = {origin(image)[1] >= 2 for image in stack if image.any()}
        assert len(episodes) == 1
    assert all(discount == 0.0 for discount, (_, t) in zip(batch.discounts, pairs, strict=True) if t == 1)


def test_n_step_returns_across_a_done():
    replay = FrameReplay(10, 1, frame_shape=(2, 2), n_step=3, gamma=0.5)
    dones = np.zeros((8, 1), bool)
    dones[2] = True
    rewards = 2.0 ** np.arange(8, dtype=np.float32)[:, None]  # 1, 2, 4, 8, ...
    play(replay, dones, rewards=rewards)
    batch = replay.sample(300)
    by_step = {where_from(stack)[1]: b for b, stack in enumerate(batch.observations)}
    assert set(by_step) == {0, 1, 2, 3, 4}
    expected = {0: (1 + 1 + 1, 0), 1: (2 + 2, 0), 2: (4, 0), 3: (8 + 8 + 8, 0.125), 4: (16 + 16 + 16, 0.125)}
    for t, (total, discount) in expected.items():
        assert batch.returns[by_step[t]] == pytest.approx(total)
        assert batch.discounts[by_step[t]] == discount
    np.testing.assert_array_equal(batch.next_observations[by_step[3]], [frame(0, s) for s in range(3, 7)])
    np.testing.assert_array_equal(batch.next_observations[by_step[4]], [frame(0, s) for s in range(4, 8)])


def test_last_steps_are_valid_only_where_the_episode_ends():
    replay = FrameReplay(20, 2, frame_shape=(2, 2), n_step=2)
    dones = np.zeros((6, 2), bool)
    dones[5, 0] = True  # env 0 ends on the last step: its step 4 needs no next observation
    log = play(replay, dones)
    pairs = check_batch(replay, replay.sample(500), log, 0.99)
    assert set(pairs) == {(0, t) for t in range(5)} | {(1, t) for t in range(4)}


def test_ring_wrap_keeps_exact_stacks_and_never_samples_overwritten_steps():
    replay = FrameReplay(6, 1, frame_shape=(2, 2))
    log = play(replay, np.zeros((20, 1), bool))
    assert len(replay) == 6
    batch = replay.sample(400)
    pairs = check_batch(replay, batch, log, 0.99)
    assert {t for _, t in pairs} == {14, 15, 16, 17, 18}
    zero = np.zeros((2, 2), np.uint8)
    for stack, (_, t) in zip(batch.observations, pairs, strict=True):
        if t == 14:  # the steps before 14 are overwritten: zeros, the documented edge
            np.testing.assert_array_equal(stack, [zero, zero, zero, frame(0, 14)])
        if t == 17:
            np.testing.assert_array_equal(stack, [frame(0, s) for s in range(14, 18)])


@pytest.mark.parametrize(
    ("envs", "capacity", "n_step", "steps"),
    [(1, 50, 1, 30), (3, 30, 3, 40), (4, 24, 2, 100), (2, 64, 5, 200)],
)
def test_random_episodes_match_the_env_exactly(envs, capacity, n_step, steps):
    rng = np.random.default_rng(envs * 1000 + steps)
    dones = rng.random((steps, envs)) < 0.2
    replay = FrameReplay(capacity, envs, frame_shape=(2, 2), n_step=n_step, gamma=0.9, seed=steps)
    log = play(replay, dones, seed=steps)
    assert len(replay) == envs * min(steps, capacity // envs)
    batch = replay.sample(6000)
    pairs = check_batch(replay, batch, log, 0.9)
    valid = valid_pairs(log, capacity, n_step)
    assert set(pairs) == valid
    counts = np.unique(np.array(pairs), axis=0, return_counts=True)[1]
    mean = len(pairs) / len(valid)
    assert counts.min() > 0.6 * mean and counts.max() < 1.4 * mean


def test_len_and_can_sample():
    replay = FrameReplay(10, 2, frame_shape=(2, 2))
    assert len(replay) == 0 and not replay.can_sample()
    with pytest.raises(ValueError):
        replay.sample(1)
    obs = np.zeros((2, STACK, 2, 2), np.uint8)
    replay.add(obs, [0, 0], [0, 0], [False, False], [True, True])
    assert len(replay) == 2 and not replay.can_sample()
    replay.add(obs, [0, 0], [0, 0], [False, True], [False, False])
    assert replay.can_sample()
    for _ in range(5):
        replay.add(obs, [0, 0], [0, 0], [False, False], [False, False])
    assert len(replay) == 10


def test_a_done_makes_the_first_step_sampleable():
    replay = FrameReplay(5, 1, frame_shape=(2, 2))
    log = play(replay, np.ones((1, 1), bool))
    batch = replay.sample(3)
    check_batch(replay, batch, log, 0.99)
    assert batch.discounts.tolist() == [0.0] * 3


@pytest.mark.parametrize("steps", [50, 12])  # the ring wrapped, or a short run that filled 12 of 20 slots
def test_save_and_load_give_the_same_samples(tmp_path, steps):
    rng = np.random.default_rng(5)
    replay = FrameReplay(40, 2, frame_shape=(2, 2), n_step=3, gamma=0.8, seed=7)
    play(replay, rng.random((steps, 2)) < 0.15)
    replay.sample(10)
    path = tmp_path / "replay.npz"
    replay.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["replay.npz"]
    with np.load(path) as saved:
        assert saved["frames"].shape == (2, min(steps, 20), 2, 2)  # only the slots it filled
    loaded = FrameReplay.load(path)
    assert len(loaded) == len(replay) and loaded.steps == replay.steps
    obs = np.full((2, STACK, 2, 2), 9, np.uint8)
    for step in range(4):
        if step == 2:
            for buffer in (replay, loaded):
                buffer.add(obs, [1, 2], [0.5, -1.0], [True, False], [False, False])
        first, second = replay.sample(64), loaded.sample(64)
        for name in ("observations", "actions", "returns", "discounts", "next_observations"):
            np.testing.assert_array_equal(getattr(first, name), getattr(second, name))


@pytest.mark.parametrize(("capacity", "envs", "n_step"), [(4, 1, 1), (9, 2, 1), (10, 2, 2)])
def test_too_small_capacity_raises(capacity, envs, n_step):
    with pytest.raises(ValueError):
        FrameReplay(capacity, envs, stack=STACK, n_step=n_step)


def test_smallest_capacity_is_accepted():
    assert FrameReplay(10, 2, frame_shape=(2, 2), stack=STACK, n_step=1).slots == 5
