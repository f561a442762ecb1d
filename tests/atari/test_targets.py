"""Q-learning targets against hand-computed numbers and simple reference loops."""

from __future__ import annotations

import numpy as np
import pytest

from dldemo.apps.atari.targets import double_q_targets, lambda_returns, max_q_targets, n_step_return


def test_n_step_return_without_and_with_dones():
    rewards = np.array([[1.0, 2.0, 3.0]] * 3)
    dones = np.array([[False, False, False], [False, True, False], [True, False, True]])
    returns, discounts = n_step_return(rewards, dones, gamma=0.9)
    assert returns.dtype == discounts.dtype == np.float32
    np.testing.assert_allclose(returns, [1 + 1.8 + 2.43, 1 + 1.8, 1.0], rtol=1e-6)
    np.testing.assert_allclose(discounts, [0.729, 0.0, 0.0], rtol=1e-6)


def test_n_step_return_done_at_last_step_keeps_reward_but_not_bootstrap():
    returns, discounts = n_step_return(np.array([[1.0, 2.0]]), np.array([[False, True]]), gamma=0.5)
    np.testing.assert_allclose(returns, [2.0])
    np.testing.assert_allclose(discounts, [0.0])


def test_double_q_uses_target_value_at_online_argmax():
    returns = np.array([1.0, 0.0], np.float32)
    discounts = np.array([0.5, 0.0], np.float32)
    online = np.array([[0.0, 9.0, 1.0], [5.0, 0.0, 0.0]])
    target = np.array([[4.0, 2.0, 8.0], [3.0, 7.0, 0.0]])
    double = double_q_targets(returns, discounts, online, target)
    assert double.dtype == np.float32
    np.testing.assert_allclose(double, [1.0 + 0.5 * 2.0, 0.0])
    np.testing.assert_allclose(max_q_targets(returns, discounts, target), [1.0 + 0.5 * 8.0, 0.0])


def _random_rollout(seed: int, steps: int = 7, envs: int = 3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(steps, envs)), rng.random((steps, envs)) < 0.25, rng.normal(size=(steps, envs))


def test_lambda_zero_is_one_step_q_learning():
    rewards, dones, next_max_q = _random_rollout(0)
    expected = rewards + 0.9 * (1 - dones) * next_max_q
    np.testing.assert_allclose(lambda_returns(rewards, dones, next_max_q, 0.9, 0.0), expected, rtol=1e-5)


def test_lambda_one_is_monte_carlo_bootstrapped_at_the_end():
    rewards, dones, next_max_q = _random_rollout(1)
    gamma, steps = 0.9, len(rewards)
    expected = np.zeros_like(rewards)
    for env in range(rewards.shape[1]):
        for t in range(steps):
            total, scale = 0.0, 1.0
            for k in range(t, steps):
                total += scale * rewards[k, env]
                if dones[k, env]:
                    break
                scale *= gamma
            else:
                total += scale * next_max_q[-1, env]  # scale == gamma ** (steps - t)
            expected[t, env] = total
    np.testing.assert_allclose(lambda_returns(rewards, dones, next_max_q, gamma, 1.0), expected, rtol=1e-5)


def test_lambda_half_by_hand_with_done_in_the_middle():
    rewards = np.array([[1.0], [2.0], [3.0]])
    dones = np.array([[False], [True], [False]])
    next_max_q = np.array([[10.0], [20.0], [30.0]])
    # G2 = 3 + 0.5 * 30 = 18; G1 = 2 (done); G0 = 1 + 0.5 * (0.5 * 2 + 0.5 * 10) = 4
    result = lambda_returns(rewards, dones, next_max_q, gamma=0.5, lam=0.5)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result[:, 0], [4.0, 2.0, 18.0])


@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
def test_lambda_returns_shape_and_dones_cut_bootstrap(lam):
    rewards, _, next_max_q = _random_rollout(2)
    dones = np.ones_like(rewards, bool)
    np.testing.assert_allclose(lambda_returns(rewards, dones, next_max_q, 0.99, lam), rewards, rtol=1e-6)
