"""The Nature-DQN convolutional Q-network in Keras, with optional LayerNorm (PQN) and dueling head."""

from __future__ import annotations

import keras
from keras import layers, ops

from dldemo.apps.atari.envs import SIZE, STACK

MODEL_NAME = "atari_q_network"


@keras.saving.register_keras_serializable(package="dldemo_atari")
class DuelingCombine(layers.Layer):
    """Q(s, a) = V(s) + A(s, a) - mean_a A(s, a) (Wang et al. 2016)."""

    def call(self, inputs):
        value, advantages = inputs
        return value + advantages - ops.mean(advantages, axis=-1, keepdims=True)


def custom_objects() -> dict:
    from dldemo.apps.atari.learner import ChosenActionLoss

    return {"DuelingCombine": DuelingCombine, "ChosenActionLoss": ChosenActionLoss}


def build_q_network(
    num_actions: int, *, layer_norm: bool = True, dueling: bool = False, width: int = 512, seed: int = 0
) -> keras.Model:
    """uint8 frame stacks (N, 4, 84, 84) in, one Q-value per action out.

    Three convolutions (32x8x8/4, 64x4x4/2, 64x3x3/1) and a dense layer of ``width`` units, as in Mnih
    et al. (2015); ``layer_norm`` normalises every hidden layer, which PQN needs without a target network.
    """

    def normalise_and_relu(x, name):
        if layer_norm:
            x = layers.LayerNormalization(name=f"{name}_norm")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    init = keras.initializers.HeNormal(seed=seed)
    frames = keras.Input((STACK, SIZE, SIZE), dtype="uint8", name="frames")
    x = layers.Permute((2, 3, 1), name="channels_last")(frames)
    x = layers.Rescaling(1 / 255, name="scale")(x)
    for i, (filters, kernel, stride) in enumerate(((32, 8, 4), (64, 4, 2), (64, 3, 1)), start=1):
        x = layers.Conv2D(filters, kernel, strides=stride, kernel_initializer=init, name=f"conv{i}")(x)
        x = normalise_and_relu(x, f"conv{i}")
    x = layers.Flatten(name="flatten")(x)
    x = normalise_and_relu(layers.Dense(width, kernel_initializer=init, name="hidden")(x), "hidden")
    if dueling:
        # Q-values in float32 also under --mixed-precision: their small differences pick the action.
        value = layers.Dense(1, name="value", dtype="float32")(x)
        advantages = layers.Dense(num_actions, name="advantages", dtype="float32")(x)
        q_values = DuelingCombine(name="q_values", dtype="float32")([value, advantages])
    else:
        q_values = layers.Dense(num_actions, name="q_values", dtype="float32")(x)
    return keras.Model(frames, q_values, name=MODEL_NAME)
