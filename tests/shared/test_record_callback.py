"""RecordCallback with a real (tiny) Keras model: the video has one record per checkpoint, plus a curve."""

import cv2
import numpy as np
import pytest

from dldemo.shared.live import read_video_frames
from dldemo.shared.record import RecordCallback

keras = pytest.importorskip("keras")


def _model_and_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0], "float32"))[:, None]
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model, x, y


def _render(model):
    weights = model.layers[0].get_weights()[0]  # 4x8
    return np.clip((weights + 1) * 127, 0, 255).astype(np.uint8).repeat(16, 0).repeat(16, 1)


def test_epoch_records_video_and_curve(tmp_path, capsys):
    model, x, y = _model_and_data()
    captions = []

    def caption(epoch, logs):
        captions.append((epoch, dict(logs)))
        return f"epoch {epoch} · loss {logs.get('loss', float('nan')):.3f}"

    callback = RecordCallback(_render, tmp_path / "train.mp4", caption=caption, hold=2)
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[callback])
    assert len(read_video_frames(tmp_path / "train.mp4")) == (1 + 3) * 2
    assert [epoch for epoch, _ in captions] == [0, 1, 2, 3]
    assert captions[0][1] == {} and {"loss", "val_loss", "mae"} <= set(captions[3][1])
    assert [h["epoch"] for h in callback.history] == [1, 2, 3]
    curve = cv2.imread(str(tmp_path / "train.png"))
    assert curve is not None and curve.shape[0] > 300
    assert "train.mp4" in capsys.readouterr().out


def test_step_records_and_resumed_epochs(tmp_path):
    model, x, y = _model_and_data()
    seen = []

    def caption(epoch, logs):
        seen.append((epoch, logs.get("step")))
        return f"epoch {epoch}"

    callback = RecordCallback(
        _render,
        tmp_path / "steps.mp4",
        caption=caption,
        every_epochs=0,
        every_steps=5,
        initial_epoch=2,
        hold=1,
    )
    # 4 batches per epoch, epochs 3 and 4 -> global steps 1..8 -> one step record at step 5 (epoch 4)
    model.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0, callbacks=[callback])
    assert seen == [(2, None), (4, 5)]
    assert len(read_video_frames(tmp_path / "steps.mp4")) == 2
    assert (tmp_path / "steps.png").exists()
