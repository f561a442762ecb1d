"""Gradient steps on Q-values: a portable Keras learner and a JAX fast path with the same interface.

Both take the whole update (many minibatches of one rollout or replay sample) in one call:
``update(observations, actions, targets, batches)`` where ``batches`` is a (K, B) array of row indices.
``KerasLearner`` runs Keras' compiled ``train_on_batch`` K times and works on every backend;
``JaxLearner`` compiles all K steps into one XLA program (``lax.scan`` over Keras' stateless calls),
which removes K-1 round trips to the device. Checkpoints are always the Keras model.
"""

from __future__ import annotations

from typing import Protocol

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="dldemo_atari")
class ChosenActionLoss(keras.losses.Loss):
    """Loss on the Q-value of the action taken: y_true[:, 0] = action, y_true[:, 1] = its target.

    ``kind="huber"`` (DQN, delta 1) or ``"mse"`` (0.5 * squared error, PQN).
    """

    def __init__(self, kind: str = "huber", name: str = "chosen_action_loss", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if kind not in ("huber", "mse"):
            raise ValueError(f"kind must be 'huber' or 'mse', got {kind!r}")
        self.kind = kind

    def call(self, y_true, y_pred):
        actions = ops.cast(y_true[:, :1], "int32")
        chosen = ops.take_along_axis(y_pred, actions, axis=1)[:, 0]
        error = ops.cast(y_true[:, 1], y_pred.dtype) - chosen
        if self.kind == "mse":
            return 0.5 * ops.square(error)
        small = ops.abs(error) <= 1.0
        return ops.where(small, 0.5 * ops.square(error), ops.abs(error) - 0.5)

    def get_config(self) -> dict:
        return {**super().get_config(), "kind": self.kind}


def compile_q_network(
    model: keras.Model, *, learning_rate: float, loss: str, clip_norm: float = 10.0
) -> keras.Model:
    """Adam (epsilon 1e-5 as in CleanRL's Atari agents) with global-norm clipping, on ``ChosenActionLoss``."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, epsilon=1e-5, global_clipnorm=clip_norm),
        loss=ChosenActionLoss(loss),
    )
    return model


def targets_as_labels(actions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(B,) actions and (B,) targets -> the (B, 2) float32 y_true of ``ChosenActionLoss``."""
    return np.stack([np.asarray(actions, np.float32), np.asarray(targets, np.float32)], axis=1)


class Learner(Protocol):
    model: keras.Model

    def q_values(self, observations: np.ndarray, *, target: bool = False) -> np.ndarray: ...
    def update(
        self, observations: np.ndarray, actions: np.ndarray, targets: np.ndarray, batches: np.ndarray
    ) -> float: ...
    def update_target(self) -> None: ...
    def sync(self) -> None: ...


class KerasLearner:
    """Portable: ``predict_on_batch`` and ``train_on_batch`` (each compiled by Keras on any backend)."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.target: keras.Model | None = None

    def q_values(self, observations: np.ndarray, *, target: bool = False) -> np.ndarray:
        network = self.target if target and self.target is not None else self.model
        return np.asarray(network.predict_on_batch(observations))

    def update(self, observations, actions, targets, batches) -> float:
        labels = targets_as_labels(actions, targets)
        losses = [float(self.model.train_on_batch(observations[rows], labels[rows])) for rows in batches]
        return float(np.mean(losses))

    def update_target(self) -> None:
        if self.target is None:
            self.target = keras.models.clone_model(self.model)
        self.target.set_weights(self.model.get_weights())

    def sync(self) -> None:
        """The model already holds the current weights."""


class JaxLearner:
    """JAX only: Q-values and all K minibatch steps of an update each in one jitted call.

    ``unroll``: XLA on CPU runs convolutions inside loops slowly, so there the K steps are unrolled.
    """

    def __init__(self, model: keras.Model, *, unroll: bool = False) -> None:
        import jax

        self.model = model
        optimizer = model.optimizer
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        # Copies: Keras may donate (free) its variables' buffers in its own compiled functions.
        self.trainable = [jax.numpy.copy(v.value) for v in model.trainable_variables]
        self.non_trainable = [jax.numpy.copy(v.value) for v in model.non_trainable_variables]
        self.optimizer_state = [jax.numpy.copy(v.value) for v in optimizer.variables]
        self.target_trainable: list | None = None
        loss_fn = model.loss

        def forward(trainable, non_trainable, observations):
            q_values, _ = model.stateless_call(trainable, non_trainable, observations)
            return q_values

        def batch_loss(trainable, non_trainable, observations, labels):
            q_values, non_trainable = model.stateless_call(
                trainable, non_trainable, observations, training=True
            )
            return loss_fn(labels, q_values), non_trainable

        def step(carry, batch):
            trainable, non_trainable, optimizer_state = carry
            (loss, non_trainable), grads = jax.value_and_grad(batch_loss, has_aux=True)(
                trainable, non_trainable, *batch
            )
            trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, grads, trainable)
            return (trainable, non_trainable, optimizer_state), loss

        def update(trainable, non_trainable, optimizer_state, observations, labels, batches):
            def body(carry, rows):
                return step(carry, (observations[rows], labels[rows]))

            carry, losses = jax.lax.scan(
                body, (trainable, non_trainable, optimizer_state), batches, unroll=unroll
            )
            return (*carry, losses.mean())

        self._forward = jax.jit(forward)
        self._update = jax.jit(update)

    def q_values(self, observations: np.ndarray, *, target: bool = False) -> np.ndarray:
        trainable = self.target_trainable if target and self.target_trainable is not None else self.trainable
        return np.asarray(self._forward(trainable, self.non_trainable, observations))

    def update(self, observations, actions, targets, batches) -> float:
        labels = targets_as_labels(actions, targets)
        self.trainable, self.non_trainable, self.optimizer_state, loss = self._update(
            self.trainable, self.non_trainable, self.optimizer_state, observations, labels,
            np.asarray(batches, np.int32),
        )  # fmt: skip
        return float(loss)

    def update_target(self) -> None:
        self.target_trainable = list(self.trainable)

    def sync(self) -> None:
        """Write the current weights and optimizer state back into the Keras model (before saving)."""
        import jax

        variables = (self.model.trainable_variables, self.model.non_trainable_variables,
                     self.model.optimizer.variables)  # fmt: skip
        for group, values in zip(
            variables, (self.trainable, self.non_trainable, self.optimizer_state), strict=True
        ):
            for variable, value in zip(group, values, strict=True):
                variable.assign(jax.numpy.copy(value))


def make_learner(model: keras.Model, *, fast: bool = True) -> Learner:
    """``JaxLearner`` on the JAX backend with an accelerator when ``fast``, else the portable ``KerasLearner``
    (on a CPU both run at the same speed)."""
    if fast and keras.backend.backend() == "jax":
        import jax

        if jax.default_backend() != "cpu":
            return JaxLearner(model)
    return KerasLearner(model)
