"""The Show, Attend and Tell network (Xu et al. 2015, soft attention) in Keras 3.

The frozen ImageNet CNN turns a photo into a grid of feature vectors (7x7 or 14x14 locations). Training
feeds those features, computed once and cached, so the saved model's inputs are (features (B, L, C), word
ids (B, T)); the CNN still travels inside it, in the ``ImageEncoder`` layer, and ``Captioner`` runs it on
photos. The decoder is one ``keras.layers.RNN`` over ``AttentionLSTMCell``: at every step the previous
state scores each location, a gate scales the attended context, and the LSTM reads the previous word and
that context. The features ride along in the RNN state (Keras 3 RNNs take no constants). The word logits
come from the deep output L_o(E y + L_h h + L_z z) of the paper, for all steps at once after the loop.

Outputs: ``logits`` (B, T, V) and ``coverage`` (B, L), how much attention each location received over the
caption's real steps: the doubly stochastic regularisation pushes it towards 1 everywhere.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from dldemo.apps.caption.captions import PAD
from dldemo.apps.caption.recipes import Shape
from dldemo.shared.models.efficientnet_lite import efficientnet_lite0_features
from dldemo.shared.models.squeezenet import CaffePreprocess, squeezenet_features

MODEL_NAME = "captioner"
PACKAGE = "dldemo_caption"


def build_cnn(encoder: str, grid: int, image_size: int) -> keras.Model:
    """RGB 0-255 photos (B, S, S, 3) -> features (B, grid * grid, channels) of an ImageNet CNN."""
    rgb = keras.Input((image_size, image_size, 3), name="rgb")
    if encoder == "efficientnet-lite0":
        x = efficientnet_lite0_features(rgb)[image_size // grid]
    elif encoder == "squeezenet":
        x = squeezenet_features(CaffePreprocess(name="caffe_preprocess")(rgb))[2]  # stride 16
    else:
        raise ValueError(f"unknown encoder {encoder!r}")
    if x.shape[1] != grid:
        raise ValueError(f"{encoder} gives a {x.shape[1]}x{x.shape[2]} grid at {image_size} px, not {grid}")
    x = layers.Reshape((grid * grid, x.shape[-1]), name="locations")(x)
    return keras.Model(rgb, x, name="cnn")


@keras.saving.register_keras_serializable(package=PACKAGE)
class ImageEncoder(layers.Layer):
    """Carries the frozen CNN (and its weights) inside the captioner; passes cached features through."""

    def __init__(self, encoder: str, grid: int, image_size: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.encoder, self.grid, self.image_size = encoder, grid, image_size
        self.cnn = build_cnn(encoder, grid, image_size)
        self.cnn.trainable = False

    def call(self, features):
        return features

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "encoder": self.encoder,
            "grid": self.grid,
            "image_size": self.image_size,
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class Words(layers.Layer):
    """Passes the word ids through and carries the vocabulary in its config."""

    def __init__(self, words: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.words = list(words)

    def call(self, ids):
        return ids

    def get_config(self) -> dict:
        return {**super().get_config(), "words": self.words}


@keras.saving.register_keras_serializable(package=PACKAGE)
class AttentionLSTMCell(layers.Layer):
    """One decoder step. States: h, c, then the features (B, L * C) and their attention keys (B, L * A),
    flattened; output: [h_t, gated context z_t, attention alpha_t] concatenated."""

    def __init__(self, units: int, attention: int, locations: int, channels: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units, self.attention, self.locations, self.channels = units, attention, locations, channels
        self.state_size = [units, units, locations * channels, locations * attention]
        self.output_size = units + channels + locations
        self.lstm = layers.LSTMCell(units, name="lstm")
        self.query = layers.Dense(attention, name="query")
        self.score = layers.Dense(1, name="score")
        self.gate = layers.Dense(channels, activation="sigmoid", name="gate")

    def build(self, input_shape) -> None:
        self.lstm.build((None, input_shape[-1] + self.channels))
        self.query.build((None, self.units))
        self.score.build((None, self.locations, self.attention))
        self.gate.build((None, self.units))

    def attend(self, h, features, keys):
        """Gated context (B, C) and attention weights (B, L) for the state h (B, units)."""
        features = ops.reshape(features, (-1, self.locations, self.channels))
        keys = ops.reshape(keys, (-1, self.locations, self.attention))
        scores = ops.squeeze(self.score(ops.tanh(keys + ops.expand_dims(self.query(h), 1))), -1)
        alpha = ops.softmax(scores, axis=-1)
        context = ops.einsum("bl,blc->bc", alpha, features)
        return self.gate(h) * context, alpha

    def call(self, inputs, states, training=False):
        h, c, features, keys = states
        context, alpha = self.attend(h, features, keys)
        h, (_, c) = self.lstm(ops.concatenate([inputs, context], axis=-1), [h, c], training=training)
        return ops.concatenate([h, context, alpha], axis=-1), [h, c, features, keys]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "attention": self.attention,
            "locations": self.locations,
            "channels": self.channels,
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class SplitSteps(layers.Layer):
    """The cell's per-step outputs (B, T, units + C + L) -> h (B, T, units), z (B, T, C), alpha (B, T, L)."""

    def __init__(self, units: int, channels: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units, self.channels = units, channels

    def call(self, steps):
        edge = self.units + self.channels
        return steps[..., : self.units], steps[..., self.units : edge], steps[..., edge:]

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "channels": self.channels}


@keras.saving.register_keras_serializable(package=PACKAGE)
class Coverage(layers.Layer):
    """Attention summed over the real (non-padding) steps of each caption: (B, T, L), ids (B, T) -> (B, L)."""

    def call(self, alpha, ids):
        real = ops.cast(ops.not_equal(ids, PAD), alpha.dtype)
        return ops.sum(alpha * ops.expand_dims(real, -1), axis=1)


@keras.saving.register_keras_serializable(package=PACKAGE)
class FlattenStates(layers.Layer):
    """(B, L, C) -> (B, L * C): the form the features take in the RNN state."""

    def call(self, x):
        return ops.reshape(x, (-1, x.shape[1] * x.shape[2]))


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskedCaptionLoss(keras.losses.Loss):
    """Word cross-entropy (with optional label smoothing) averaged over the real target words only."""

    def __init__(self, label_smoothing: float = 0.0, name: str = "masked_caption_loss", **kwargs) -> None:
        super().__init__(name=name, reduction="sum", **kwargs)
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        targets = ops.cast(y_true, "int32")
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)
        nll = -ops.squeeze(ops.take_along_axis(log_probs, ops.expand_dims(targets, -1), axis=-1), -1)
        losses = (1 - self.label_smoothing) * nll - self.label_smoothing * ops.mean(log_probs, axis=-1)
        mask = ops.cast(ops.not_equal(targets, PAD), "float32")
        return losses * mask / ops.maximum(ops.sum(mask), 1.0)

    def get_config(self) -> dict:
        return {"name": self.name, "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CoverageLoss(keras.losses.Loss):
    """Doubly stochastic attention: mean over images and locations of (1 - total attention)^2."""

    def __init__(self, name: str = "coverage_loss", **kwargs) -> None:
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(1.0 - ops.cast(y_pred, "float32")), axis=-1)

    def get_config(self) -> dict:
        return {"name": self.name}


def custom_objects() -> dict:
    return {
        cls.__name__: cls
        for cls in (
            ImageEncoder,
            Words,
            AttentionLSTMCell,
            SplitSteps,
            Coverage,
            FlattenStates,
            MaskedCaptionLoss,
            CoverageLoss,
        )
    }


def build_captioner(shape: Shape, words: list[str], *, seed: int = 0) -> keras.Model:
    """The training model: (features (B, L, C), word ids bos + caption (B, T)) -> logits and coverage."""
    encoder = ImageEncoder(shape.encoder, shape.grid, shape.image_size, name="image_encoder")
    locations, channels = encoder.cnn.output.shape[1:]
    features_in = keras.Input((locations, channels), name="features")
    ids_in = keras.Input((None,), dtype="int32", name="words")
    ids = Words(words, name="vocabulary")(ids_in)
    drop = layers.Dropout(shape.dropout, seed=seed, name="dropout")

    features = layers.Dense(shape.features, name="project")(encoder(features_in))
    mean = layers.GlobalAveragePooling1D(name="mean_feature")(features)
    h0 = layers.Dense(shape.units, activation="tanh", name="init_h")(mean)
    c0 = layers.Dense(shape.units, activation="tanh", name="init_c")(mean)
    keys = layers.Dense(shape.attention, name="keys")(features)
    flatten = FlattenStates(name="flatten_states")

    embedded = layers.Embedding(len(words), shape.embedding, name="embedding")(ids)
    cell = AttentionLSTMCell(shape.units, shape.attention, locations, shape.features, name="cell")
    steps = layers.RNN(cell, return_sequences=True, name="decoder")(
        embedded, initial_state=[h0, c0, flatten(features), flatten(keys)]
    )
    h, context, alpha = SplitSteps(shape.units, shape.features, name="split_steps")(steps)
    deep = layers.Add(name="deep_output")(
        [
            embedded,
            layers.Dense(shape.embedding, name="from_h")(drop(h)),
            layers.Dense(shape.embedding, name="from_context")(context),
        ]
    )
    logits = layers.Dense(len(words), name="logits")(drop(deep))
    coverage = Coverage(name="coverage")(alpha, ids)
    return keras.Model([features_in, ids_in], {"logits": logits, "coverage": coverage}, name=MODEL_NAME)


def inference_models(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """``start``: features (B, L, C) -> the first state (h, c, features, keys); ``step``: (word ids (B, 1),
    state) -> (log-probs (B, V), h, c, attention (B, L)). Both share the training model's weights."""
    get = model.get_layer
    cell = get("decoder").cell
    features_in = keras.Input(model.inputs[0].shape[1:], name="features")
    features = get("project")(features_in)
    mean = get("mean_feature")(features)
    flatten = get("flatten_states")
    first = [get("init_h")(mean), get("init_c")(mean), flatten(features), flatten(get("keys")(features))]
    start = keras.Model(features_in, first, name="decoder_start")

    ids = keras.Input((1,), dtype="int32", name="word")
    state = [keras.Input((size,), name=name) for size, name in zip(cell.state_size, "hcfk", strict=True)]
    embedded = get("embedding")(ids)[:, 0]
    steps, (h, c, _, _) = cell(embedded, state)
    h_out, context, alpha = get("split_steps")(steps)
    deep = get("deep_output")([embedded, get("from_h")(h_out), get("from_context")(context)])
    log_probs = ops.log_softmax(get("logits")(deep), axis=-1)
    step = keras.Model([ids, *state], [log_probs, h, c, alpha], name="decoder_step")
    return start, step
