"""Compact export: a safe-mode-loadable .keras file, half the size, weights at float16 precision."""

import zipfile

import keras
import numpy as np

from dldemo.shared.models.export import export_compact, round_to_float16


def trained_model() -> keras.Model:
    inputs = keras.Input((16,))
    hidden = keras.layers.Dense(4096, activation="relu", name="hidden")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4, name="out")(hidden), name="toy")
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(64, 16)), rng.normal(size=(64, 4)), epochs=1, verbose=0)
    return model


def weights_size(path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("model.weights.h5").compress_size


def test_round_to_float16_keeps_dtype_and_saturates():
    values = np.array([1 / 3, 1e6, -1e6, 0.0], np.float32)
    rounded = round_to_float16(values)
    assert rounded.dtype == np.float32
    assert rounded[0] == np.float32(np.float16(1 / 3)) != values[0]
    assert rounded[1] == -rounded[2] == np.finfo(np.float16).max
    assert round_to_float16(np.arange(3)).dtype == np.arange(3).dtype


def test_export_is_smaller_loads_safely_and_predicts_like_the_original(tmp_path):
    model = trained_model()
    with_optimizer, plain = tmp_path / "with_optimizer.keras", tmp_path / "plain.keras"
    model.save(with_optimizer)
    keras.Model(model.inputs, model.outputs).save(plain)
    compact = export_compact(model, tmp_path / "ship" / "toy.keras")
    assert weights_size(compact) < 0.65 * weights_size(plain) < 0.4 * weights_size(with_optimizer)
    loaded = keras.saving.load_model(compact, safe_mode=True, compile=False)
    assert loaded.name == "toy"
    for original, shipped in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(shipped.numpy(), round_to_float16(original.numpy()))
    x = np.random.default_rng(1).normal(size=(8, 16)).astype("float32")
    np.testing.assert_allclose(loaded.predict_on_batch(x), model.predict_on_batch(x), atol=1e-2)
    assert not list(tmp_path.glob("ship/.*"))  # no temporary file left behind
