"""Decoders on one shared encoder: it runs once, the outputs are the members' mean, and it loads safely."""

import keras
import numpy as np
import pytest

from dldemo.shared.models.ensemble import same_encoder, shared_encoder_ensemble
from dldemo.shared.models.export import round_to_float16

TAPS = ("fine", "coarse")


def init(seed: int) -> keras.initializers.Initializer:
    return keras.initializers.GlorotUniform(seed=seed)


def encoder_decoder(seed: int) -> keras.Model:
    """A two-tap toy: the encoder's weights come from seed 0, the decoder's from ``seed``."""
    inputs = keras.Input((None, None, 1))
    fine = keras.layers.Conv2D(4, 3, padding="same", name="fine", kernel_initializer=init(0))(inputs)
    coarse = keras.layers.Conv2D(4, 3, 2, "same", name="coarse", kernel_initializer=init(1))(fine)
    mixed = keras.layers.Conv2D(4, 1, name="mix", kernel_initializer=init(seed))(coarse)
    joined = keras.layers.Concatenate(name="join")([fine, keras.layers.UpSampling2D(name="up")(mixed)])
    head = keras.layers.Conv2D(3, 1, name="head", kernel_initializer=init(seed + 1))(joined)
    return keras.Model(inputs, head, name="toy")


@pytest.fixture(scope="module")
def members() -> list[keras.Model]:
    return [encoder_decoder(seed) for seed in (1, 5, 9)]


def test_ensemble_outputs_the_members_mean_and_runs_the_encoder_once(members):
    ensemble = shared_encoder_ensemble(members, TAPS)
    x = np.random.default_rng(0).normal(size=(2, 8, 12, 1)).astype("float32")
    outputs = [np.asarray(member.predict_on_batch(x)) for member in members]
    assert not np.allclose(outputs[0], outputs[1])  # different decoders
    np.testing.assert_allclose(ensemble.predict_on_batch(x), np.mean(outputs, axis=0), rtol=1e-5, atol=1e-6)
    top = [layer.name for layer in ensemble.layers]
    assert top.count("fine") == 1 and "head" not in top  # one encoder; each head sits in its decoder
    assert [name for name in top if name.startswith("decoder_")] == ["decoder_1", "decoder_2", "decoder_3"]
    assert ensemble.name == "toy"


def test_ensemble_saves_and_loads_in_safe_mode(members, tmp_path):
    ensemble = shared_encoder_ensemble(members[:2], TAPS, name="pair")
    ensemble.save(tmp_path / "pair.keras")
    loaded = keras.saving.load_model(tmp_path / "pair.keras", safe_mode=True, compile=False)
    x = np.random.default_rng(1).normal(size=(1, 6, 6, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict_on_batch(x), ensemble.predict_on_batch(x), rtol=1e-6)
    assert loaded.name == "pair"


def test_members_with_other_encoder_weights_are_refused(members):
    other = encoder_decoder(5)
    other.get_layer("coarse").set_weights([w + 1e-3 for w in other.get_layer("coarse").get_weights()])
    assert same_encoder(members[0], members[1], TAPS) and not same_encoder(members[0], other, TAPS)
    exported = encoder_decoder(5)  # a shipped model keeps its weights at float16 precision
    exported.set_weights([round_to_float16(w) for w in exported.get_weights()])
    assert not np.array_equal(exported.get_layer("fine").kernel, members[0].get_layer("fine").kernel)
    assert same_encoder(members[0], exported, TAPS)
    with pytest.raises(ValueError, match="member 2 .* other encoder weights"):
        shared_encoder_ensemble([members[0], other], TAPS)
    with pytest.raises(ValueError, match="at least two decoders, got 1"):
        shared_encoder_ensemble(members[:1], TAPS)


def test_an_ensemble_member_brings_each_of_its_decoders(members, tmp_path):
    pair = shared_encoder_ensemble(members[:2], TAPS, name="pair")
    pair.save(tmp_path / "pair.keras")
    loaded = keras.saving.load_model(tmp_path / "pair.keras", safe_mode=True, compile=False)
    grown = shared_encoder_ensemble([loaded, members[2]], TAPS)
    x = np.random.default_rng(2).normal(size=(1, 8, 8, 1)).astype("float32")
    three = shared_encoder_ensemble(members, TAPS)  # each decoder weighs a third, not the pair a half
    np.testing.assert_allclose(grown.predict_on_batch(x), three.predict_on_batch(x), rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in grown.layers if layer.name.startswith("decoder_")] == [
        "decoder_1",
        "decoder_2",
        "decoder_3",
    ]


def test_keep_picks_decoders_by_number(members):
    kept = shared_encoder_ensemble(members, TAPS, keep=[3, 1])
    x = np.random.default_rng(3).normal(size=(1, 8, 8, 1)).astype("float32")
    outputs = [np.asarray(members[i].predict_on_batch(x)) for i in (0, 2)]
    np.testing.assert_allclose(kept.predict_on_batch(x), np.mean(outputs, axis=0), rtol=1e-5, atol=1e-6)
    for wrong in ([1], [1, 4], [0, 2]):
        with pytest.raises(ValueError, match="keep names decoders 1 to 3"):
            shared_encoder_ensemble(members, TAPS, keep=wrong)
