"""Several trained decoders on one shared encoder, as one model: the encoder runs once, their outputs average.

Models trained on the same frozen encoder (``efficientnet_lite.freeze_encoder``) hold bit-identical encoder
weights (at float16 precision once one is exported), so an ensemble of them costs one encoder pass plus one
decoder pass per member instead of one whole network per member. ``shared_encoder_ensemble`` checks that
the encoders really are identical, then builds a plain functional model (standard layers only, so it saves
and loads in safe mode). A member that is itself such an ensemble brings each of its decoders, so a new run
can join a shipped ensemble.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers

from dldemo.shared.models.export import round_to_float16

DECODER_PREFIX = "decoder_"  # an ensemble's nested decoders: decoder_1, decoder_2, ...


class EncoderMismatch(ValueError):
    """A member whose encoder differs from the first member's; ``index`` counts members from 1."""

    def __init__(self, index: int, name: str):
        super().__init__(
            f"member {index} ({name}) has other encoder weights than member 1: "
            "only decoders trained on the same frozen encoder share it"
        )
        self.index = index


def shared_encoder_ensemble(
    members: Sequence[keras.Model],
    taps: Sequence[str],
    name: str | None = None,
    keep: Sequence[int] | None = None,
) -> keras.Model:
    """One model: the first member's layers up to the layers named ``taps`` (the encoder), then every
    member's layers after them (nested models ``decoder_1``, ``decoder_2``, ...), their raw outputs
    averaged (logits, for a classifier); an ensemble member contributes each of its decoders, so every
    decoder weighs the same. ``keep`` picks some of those decoders by number (from 1, in member order).
    Named ``name``, else as the first member. The decoders must read the encoder only through the taps.

    ValueError if there are fewer than two decoders (kept ones, with ``keep``), or a tap is missing;
    EncoderMismatch (a ValueError) if an encoder differs in any weight at float16 precision (BatchNorm
    statistics included).
    """
    first = members[0]
    for index, member in enumerate(members[1:], start=2):
        if not same_encoder(first, member, taps):
            raise EncoderMismatch(index, member.name)
    features = [first.get_layer(tap).output for tap in taps]
    decoders = [decoder for member in members for decoder in member_decoders(member, taps)]
    if keep is not None:
        decoders = _kept(decoders, keep)
    if len(decoders) < 2:
        raise ValueError(f"an ensemble needs at least two decoders, got {len(decoders)}")
    outputs = [
        keras.Model(decoder.inputs, decoder.output, name=f"{DECODER_PREFIX}{index}")(features)
        for index, decoder in enumerate(decoders, start=1)
    ]
    averaged = layers.Average(name="average", dtype="float32")(outputs)
    return keras.Model(first.inputs, averaged, name=name or first.name)


def _kept(decoders: list[keras.Model], keep: Sequence[int]) -> list[keras.Model]:
    if len(set(keep)) < 2 or not all(1 <= number <= len(decoders) for number in keep):
        raise ValueError(f"keep names decoders 1 to {len(decoders)}, at least two of them: got {list(keep)}")
    return [decoders[number - 1] for number in sorted(set(keep))]


def same_encoder(a: keras.Model, b: keras.Model, taps: Sequence[str]) -> bool:
    """Whether the layers of ``a`` and ``b`` up to ``taps`` hold the same weights, bit for bit once
    rounded to float16: the precision an exported (shipped) model keeps."""
    return _same_weights(_encoder(a, taps), _encoder(b, taps))


def _encoder(model: keras.Model, taps: Sequence[str]) -> keras.Model:
    return keras.Model(model.inputs, [model.get_layer(tap).output for tap in taps])


def member_decoders(model: keras.Model, taps: Sequence[str]) -> list[keras.Model]:
    """A member's decoders, each a model taking the tap outputs: an ensemble's nested ``decoder_N``
    models, else the layers between ``taps`` and the (first) output."""
    nested = [layer for layer in model.layers if layer.name.startswith(DECODER_PREFIX)]
    if nested and isinstance(model.layers[-1], layers.Average):
        return nested
    return [keras.Model([model.get_layer(tap).output for tap in taps], model.outputs[0])]


def _same_weights(a: keras.Model, b: keras.Model) -> bool:
    ours, theirs = a.get_weights(), b.get_weights()
    return len(ours) == len(theirs) and all(
        x.shape == y.shape and np.array_equal(round_to_float16(x), round_to_float16(y))
        for x, y in zip(ours, theirs, strict=True)
    )
