"""The seq2seq network: a bidirectional LSTM encoder, an LSTM decoder and Luong attention, in Keras 3.

Training runs the decoder over the whole target at once (teacher forcing). Decoding reuses the same
layers in two small models: ``encoder`` (source -> memory and first decoder state) and ``decoder_step``
(one token -> log-probabilities, next state and attention weights), so greedy and beam search are plain
loops over ``decoder_step``. Padding (id 0) is masked everywhere: in the encoder, in the attention and
in the loss.
"""

from __future__ import annotations

from dataclasses import asdict

import keras
from keras import layers, ops

from dldemo.apps.translate.recipes import Shape

MODEL_NAME = "translator"
PAD = 0
NEG_INF = -1e9
TARGET_EMBEDDING = "target_embedding"


@keras.saving.register_keras_serializable(package="dldemo_translate")
class Vocabulary(layers.Layer):
    """Passes the source ids through unchanged and carries the sentencepiece model(s) (base64) and the
    language pair in its config, so that a saved model translates on its own. ``target_subwords`` is
    None for a joint vocabulary (``subwords`` serves both languages)."""

    def __init__(self, subwords: str, pair: str, target_subwords: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.subwords, self.pair, self.target_subwords = subwords, pair, target_subwords

    def call(self, ids):
        return ids

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "subwords": self.subwords,
            "pair": self.pair,
            "target_subwords": self.target_subwords,
        }


@keras.saving.register_keras_serializable(package="dldemo_translate")
class LuongAttention(layers.Layer):
    """Global attention with the "general" score h_t^T W h_s (Luong et al. 2015), padding masked.

    Inputs (queries (B, T, D), memory (B, S, M), source ids (B, S)); outputs (context (B, T, M),
    weights (B, T, S)).
    """

    def build(self, input_shape) -> None:
        queries, memory, _ = input_shape
        self.kernel = self.add_weight(
            shape=(queries[-1], memory[-1]), initializer="glorot_uniform", name="kernel"
        )

    def call(self, inputs):
        queries, memory, source_ids = inputs
        scores = ops.einsum("btd,dm,bsm->bts", queries, self.kernel, memory)
        valid = ops.expand_dims(ops.not_equal(source_ids, PAD), 1)
        weights = ops.softmax(ops.where(valid, scores, NEG_INF), axis=-1)
        return ops.einsum("bts,bsm->btm", weights, memory), weights

    def compute_mask(self, inputs, mask=None):
        return None  # padding is handled through the source ids

    def compute_output_shape(self, input_shape):
        queries, memory, _ = input_shape
        return (*queries[:2], memory[-1]), (*queries[:2], memory[1])


@keras.saving.register_keras_serializable(package="dldemo_translate")
class MaskedCrossEntropy(keras.losses.Loss):
    """Token cross-entropy with label smoothing, averaged over the non-padding target tokens only."""

    def __init__(self, label_smoothing: float = 0.1, name: str = "masked_cross_entropy", **kwargs) -> None:
        super().__init__(name=name, reduction="sum", **kwargs)
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)
        targets = ops.cast(y_true, "int32")
        nll = -ops.squeeze(ops.take_along_axis(log_probs, ops.expand_dims(targets, -1), axis=-1), -1)
        smooth = -ops.mean(log_probs, axis=-1)
        losses = (1 - self.label_smoothing) * nll + self.label_smoothing * smooth
        mask = ops.cast(ops.not_equal(targets, PAD), "float32")
        # Per-token values that sum to the mean over real tokens: correct whether or not Keras also
        # multiplies them by the padding mask the logits carry.
        return losses * mask / ops.maximum(ops.sum(mask), 1.0)

    def get_config(self) -> dict:
        return {"name": self.name, "label_smoothing": self.label_smoothing}


def custom_objects() -> dict:
    return {
        "Vocabulary": Vocabulary,
        "LuongAttention": LuongAttention,
        "MaskedCrossEntropy": MaskedCrossEntropy,
    }


def build_translator(
    shape: Shape, *, subwords: str, pair: str, target_subwords: str | None = None, seed: int = 0
) -> keras.Model:
    """The training model: (source ids (B, S), target input ids (B, T)) -> next-token logits (B, T, V).

    With ``shape.target_vocab_size`` the target side has its own embedding (and ``target_subwords``);
    otherwise both sides share one."""
    if (shape.target_vocab_size is None) != (target_subwords is None):
        raise ValueError("a separate target vocabulary needs both target_vocab_size and target_subwords")
    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    source_ids = Vocabulary(subwords, pair, target_subwords, name="vocabulary")(source)
    embed = layers.Embedding(shape.vocab_size, shape.embedding, mask_zero=True, name="embedding")
    embed_target = embed
    if shape.target_vocab_size is not None:
        embed_target = layers.Embedding(
            shape.target_vocab_size, shape.embedding, mask_zero=True, name=TARGET_EMBEDDING
        )
    drop = layers.Dropout(shape.dropout, seed=seed, name="dropout")

    x = drop(embed(source_ids))
    encoder = layers.Bidirectional(
        layers.LSTM(shape.encoder_units, return_sequences=True, return_state=True, seed=seed),
        name="encoder",
    )
    memory, h_forward, c_forward, h_backward, c_backward = encoder(x)
    h0 = layers.Dense(shape.decoder_units, activation="tanh", name="init_h")(
        layers.Concatenate(name="h_both")([h_forward, h_backward])
    )
    c0 = layers.Dense(shape.decoder_units, name="init_c")(
        layers.Concatenate(name="c_both")([c_forward, c_backward])
    )
    memory = drop(memory)

    decoder = layers.LSTM(
        shape.decoder_units, return_sequences=True, return_state=True, seed=seed, name="decoder"
    )
    attention = LuongAttention(name="attention")
    combine = layers.Dense(shape.decoder_units, activation="tanh", name="attentional")
    project = layers.Dense(shape.target_vocab_size or shape.vocab_size, name="logits")

    queries, _, _ = decoder(drop(embed_target(target_in)), initial_state=[h0, c0])
    context, _ = attention([queries, memory, source_ids])
    hidden = combine(layers.Concatenate(name="context_and_query")([context, queries]))
    logits = project(drop(hidden))
    model = keras.Model([source, target_in], logits, name=MODEL_NAME)
    return model


def shape_of(model: keras.Model) -> Shape:
    """The ``Shape`` a saved translator was built with."""
    return Shape(
        vocab_size=model.get_layer("embedding").input_dim,
        embedding=model.get_layer("embedding").output_dim,
        encoder_units=model.get_layer("encoder").forward_layer.units,
        decoder_units=model.get_layer("decoder").units,
        dropout=model.get_layer("dropout").rate,
        target_vocab_size=model.get_layer(TARGET_EMBEDDING).input_dim if _separate(model) else None,
    )


def _separate(model: keras.Model) -> bool:
    return any(layer.name == TARGET_EMBEDDING for layer in model.layers)


def _target_embedding(model: keras.Model) -> layers.Embedding:
    return model.get_layer(TARGET_EMBEDDING if _separate(model) else "embedding")


def inference_models(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """``encoder``: source ids -> (memory, h, c); ``decoder_step``: (token (B, 1), h, c, memory, source ids)
    -> (log-probs (B, V), h, c, attention (B, S)). Both share the training model's weights."""
    get = model.get_layer
    units = get("decoder").units
    source = keras.Input((None,), dtype="int32", name="source")
    memory, h_forward, c_forward, h_backward, c_backward = get("encoder")(get("embedding")(source))
    h0 = get("init_h")(get("h_both")([h_forward, h_backward]))
    c0 = get("init_c")(get("c_both")([c_forward, c_backward]))
    encoder = keras.Model(source, [memory, h0, c0], name="encoder_model")

    token = keras.Input((1,), dtype="int32", name="token")
    h_in, c_in = keras.Input((units,), name="h"), keras.Input((units,), name="c")
    memory_in = keras.Input((None, memory.shape[-1]), name="memory")
    source_in = keras.Input((None,), dtype="int32", name="source_ids")
    queries, h, c = get("decoder")(_target_embedding(model)(token), initial_state=[h_in, c_in])
    context, weights = get("attention")([queries, memory_in, source_in])
    hidden = get("attentional")(get("context_and_query")([context, queries]))
    log_probs = ops.log_softmax(get("logits")(hidden)[:, 0], axis=-1)
    step = keras.Model(
        [token, h_in, c_in, memory_in, source_in], [log_probs, h, c, weights[:, 0]], name="decoder_step"
    )
    return encoder, step


def settings_of(model: keras.Model) -> dict:
    """The pair and subword model(s) stored in a translator, plus its shape."""
    vocabulary = model.get_layer("vocabulary")
    return {
        "pair": vocabulary.pair,
        "subwords": vocabulary.subwords,
        "target_subwords": vocabulary.target_subwords,
        "shape": asdict(shape_of(model)),
    }
