"""The Q-network, the loss on the chosen action, and the JAX fast path against the portable learner."""

import keras
import numpy as np
import pytest

from dldemo.apps.atari.learner import ChosenActionLoss, JaxLearner, KerasLearner, compile_q_network
from dldemo.apps.atari.network import build_q_network


def test_the_loss_only_sees_the_chosen_action():
    q_values = np.array([[1.0, 5.0, 0.0], [0.0, 0.0, -2.0]], np.float32)
    labels = np.array([[1, 5.5], [2, 1.0]], np.float32)  # errors 0.5 and 3.0
    mse = ChosenActionLoss("mse")(labels, q_values)
    huber = ChosenActionLoss("huber")(labels, q_values)
    assert float(mse) == pytest.approx((0.5 * 0.25 + 0.5 * 9.0) / 2)
    assert float(huber) == pytest.approx((0.5 * 0.25 + (3.0 - 0.5)) / 2)


def test_the_dueling_head_splits_value_and_zero_mean_advantages():
    model = build_q_network(4, dueling=True, width=32)
    observations = np.random.default_rng(0).integers(0, 256, (5, 4, 84, 84), dtype=np.uint8)
    value = keras.Model(model.input, model.get_layer("value").output).predict_on_batch(observations)
    q_values = model.predict_on_batch(observations)
    np.testing.assert_allclose(q_values.mean(axis=1), value[:, 0], rtol=1e-4, atol=1e-5)


def update_both(learners):
    rng = np.random.default_rng(0)
    observations = rng.integers(0, 256, (64, 4, 84, 84), dtype=np.uint8)
    actions, targets = rng.integers(0, 6, 64), rng.normal(size=64).astype(np.float32)
    batches = np.stack([rng.permutation(64)[:16] for _ in range(4)])
    return [
        [learner.update(observations, actions, targets, batches) for _ in range(3)] for learner in learners
    ]


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the fast path is JAX only")
def test_the_jax_fast_path_takes_the_same_steps_as_keras():
    learners = []
    for fast in (False, True):
        keras.utils.set_random_seed(0)
        model = compile_q_network(build_q_network(6, width=64), learning_rate=1e-3, loss="mse")
        learners.append(JaxLearner(model, unroll=True) if fast else KerasLearner(model))
    keras_losses, jax_losses = update_both(learners)
    np.testing.assert_allclose(jax_losses, keras_losses, rtol=1e-3)
    assert jax_losses[-1] < jax_losses[0]
    observations = np.random.default_rng(1).integers(0, 256, (3, 4, 84, 84), dtype=np.uint8)
    learners[1].sync()  # the Keras model now holds the fast path's weights
    np.testing.assert_allclose(
        learners[1].model.predict_on_batch(observations),
        learners[1].q_values(observations),
        rtol=1e-5,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        learners[1].q_values(observations), learners[0].q_values(observations), atol=1e-3
    )


def test_the_target_network_holds_still_until_copied():
    keras.utils.set_random_seed(0)
    learner = KerasLearner(compile_q_network(build_q_network(6, width=32), learning_rate=1e-2, loss="huber"))
    learner.update_target()
    observations = np.random.default_rng(1).integers(0, 256, (2, 4, 84, 84), dtype=np.uint8)
    frozen = learner.q_values(observations, target=True)
    update_both([learner])
    np.testing.assert_array_equal(learner.q_values(observations, target=True), frozen)
    assert not np.allclose(learner.q_values(observations), frozen)
    learner.update_target()
    np.testing.assert_allclose(learner.q_values(observations, target=True), learner.q_values(observations))
