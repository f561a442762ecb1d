"""Checkpoints: optimizer state survives, writes are atomic, broken files give a UserError."""

import os
import zipfile

import keras
import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.train import RunDir, load_checkpoint, save_checkpoint, seed_everything


def _trained_model(steps: int) -> keras.Model:
    seed_everything(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    x = np.random.default_rng(0).normal(size=(4 * steps, 3)).astype("float32")
    model.fit(x, x[:, :2], batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model


def test_roundtrip_keeps_weights_optimizer_step_and_state(tmp_path):
    model = _trained_model(steps=3)
    path = tmp_path / "checkpoint.keras"
    save_checkpoint(model, path, {"epoch": 1, "step": 3})

    loaded = load_checkpoint(path)
    for saved, restored in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, restored)
    assert int(loaded.optimizer.iterations) == 3
    assert float(loaded.optimizer.learning_rate) == pytest.approx(float(model.optimizer.learning_rate))
    for saved, restored in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(saved), keras.ops.convert_to_numpy(restored))
    assert RunDir(tmp_path).state() == {"epoch": 1, "step": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.keras"]


def test_crash_mid_write_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.keras"
    save_checkpoint(_trained_model(steps=1), path, {"step": 1})
    newer = _trained_model(steps=2)

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(newer, path, {"step": 2})
    monkeypatch.undo()

    assert int(load_checkpoint(path).optimizer.iterations) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.keras"]
    assert RunDir(tmp_path).state() == {"step": 1}


def test_saved_files_get_the_permissions_of_a_plain_new_file(tmp_path):
    umask = os.umask(0o027)  # group may read, others nothing: not mkstemp's 0600
    try:
        save_checkpoint(_trained_model(steps=1), tmp_path / "checkpoint.keras", {"epoch": 1})
        (tmp_path / "plain").touch()
    finally:
        os.umask(umask)
    modes = [(tmp_path / name).stat().st_mode & 0o777 for name in ("checkpoint.keras", "plain")]
    assert modes == [0o640, 0o640]


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_checkpoint_is_a_user_error_naming_the_file(tmp_path, damage):
    path = tmp_path / "checkpoint.keras"
    save_checkpoint(_trained_model(steps=1), path, {})
    data = path.read_bytes()
    path.write_bytes(b"not a keras file" if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(UserError, match=f"checkpoint {path} is missing, corrupt or .*start a new one"):
        load_checkpoint(path)


def test_missing_checkpoint_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="missing or corrupt"):
        load_checkpoint(tmp_path / "checkpoint.keras")


def test_a_checkpoint_naming_an_unknown_class_is_one_short_line(tmp_path):
    """E.g. another app's checkpoint: Keras' TypeError quotes the whole config (300 KB for translate)."""
    path = tmp_path / "checkpoint.keras"
    save_checkpoint(_trained_model(steps=1), path, {})
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["config.json"] = entries["config.json"].replace(b'"Dense"', b'"TranslatorDecoder"')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(UserError, match="missing, corrupt or another app's") as error:
        load_checkpoint(path)
    assert "\n" not in str(error.value) and len(str(error.value)) < 400
