"""fit: metrics rows, checkpoints, Ctrl-C, and resume that ends with the same weights."""

import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.train import (
    RunDir,
    SeededBatches,
    callbacks,
    create_run_dir,
    fit,
    load_checkpoint,
    open_run_dir,
    seed_everything,
)
from dldemo.shared.train.rundir import STATE_ENTRY

EPOCHS, ITEMS, BATCH = 4, 36, 8  # 5 batches per epoch, the last one of 4 items
STEPS = EPOCHS * 5
_W = np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")


class Regression(SeededBatches):
    """y = x @ w; x gets augmentation noise drawn from the batch rng."""

    def __init__(self, seed: int = 1):
        super().__init__(batch_size=BATCH, seed=seed)
        self.x = np.random.default_rng(0).normal(size=(ITEMS, 4)).astype("float32")

    def num_items(self) -> int:
        return ITEMS

    def make_batch(self, indices, rng):
        x = self.x[indices] + rng.normal(scale=0.1, size=(len(indices), 4)).astype("float32")
        return x, x @ _W


VAL = (np.eye(4, dtype="float32"), _W)


def _model() -> keras.Model:
    seed_everything(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dropout(0.1),  # resume must restore its random state
            keras.layers.Dense(1),
        ]
    )
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=5, decay_rate=0.7)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    return model


def _fit(model, run, epochs=EPOCHS, **kwargs):
    return fit(model, Regression(), epochs=epochs, run_dir=run, val=VAL, verbose=0, **kwargs)


def _resume(run, epochs=EPOCHS, **kwargs):
    run = open_run_dir(run.path, app="demo")
    model = load_checkpoint(run.checkpoint_path)
    return model, _fit(model, run, epochs=epochs, resume=True, **kwargs)


class InterruptAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) after batch `batch` of epoch `epoch`."""

    def __init__(self, epoch: int, batch: int):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """One uninterrupted run: (final weights, history, run dir)."""
    model = _model()
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path_factory.mktemp("runs"))
    history = _fit(model, run)
    return model.get_weights(), history, run


def _assert_same_weights(model, weights):
    for got, wanted in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_allclose(got, wanted, rtol=1e-6, atol=1e-6)


def test_rows_checkpoints_and_a_falling_loss(straight):
    _, history, run = straight
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    assert [row["step"] for row in history] == [5, 10, 15, 20]
    assert set(history[0]) == {"epoch", "step", "time_s", "loss", "val_loss", "lr"}
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert history[-1]["lr"] == pytest.approx(0.05 * 0.7 ** (STEPS / 5), rel=1e-5)
    assert run.history() == history
    assert json.loads(run.metrics_path.read_text().splitlines()[-1]) == history[-1]
    state = run.state()
    assert (state["epoch"], state["epoch_step"], state["step"], state["interrupted"]) == (4, 0, STEPS, False)
    best_epoch = min(history, key=lambda row: row["val_loss"])["epoch"]
    assert state["best_epoch"] == best_epoch
    assert run.best_path.is_file() and run.checkpoint_path.is_file()


def test_resume_at_an_epoch_boundary_gives_the_same_weights(straight, tmp_path):
    weights, history, _ = straight
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)
    _fit(_model(), run, epochs=2)

    model, resumed = _resume(run)

    _assert_same_weights(model, weights)
    assert int(model.optimizer.iterations) == STEPS
    assert [row["epoch"] for row in resumed] == [1, 2, 3, 4]
    assert resumed[-1]["lr"] == pytest.approx(history[-1]["lr"], rel=1e-6)
    assert resumed[-1]["loss"] == pytest.approx(history[-1]["loss"], rel=1e-5)


def test_ctrl_c_mid_epoch_saves_and_resume_finishes_the_run(straight, tmp_path, capsys):
    weights, history, _ = straight
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)

    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), run, callbacks=[InterruptAt(epoch=1, batch=2)])

    assert [row["epoch"] for row in run.history()] == [1]
    out = capsys.readouterr().out.strip().splitlines()[-1]
    resume_hint = f"resume with: dldemo train demo --resume {run.path}"
    assert out == f"interrupted at epoch 2 step 3; checkpoint saved: {resume_hint}"
    state = run.state()
    assert (state["epoch"], state["epoch_step"], state["step"], state["interrupted"]) == (1, 3, 8, True)

    model, resumed = _resume(run)

    assert int(model.optimizer.iterations) == STEPS
    assert [row["epoch"] for row in resumed] == [1, 2, 3, 4]
    assert [row["step"] for row in resumed] == [5, 10, 15, 20]
    assert [row["loss"] for row in resumed] == pytest.approx([row["loss"] for row in history], rel=1e-5)
    _assert_same_weights(model, weights)


def _ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_before_the_first_step_saves_nothing(tmp_path, capsys):
    run = create_run_dir("demo", {}, root=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), run, callbacks=[keras.callbacks.LambdaCallback(on_train_batch_begin=_ctrl_c)])
    assert run.history() == []
    assert not run.checkpoint_path.exists()
    assert capsys.readouterr().out.strip() == "interrupted before the first training step: nothing to save"


def test_resume_rejects_other_data_and_drops_rows_after_the_checkpoint(tmp_path):
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)
    _fit(_model(), run, epochs=1)
    model = load_checkpoint(run.checkpoint_path)
    with pytest.raises(UserError, match="seed 1, not 2"):
        fit(model, Regression(seed=2), epochs=2, run_dir=run, val=VAL, resume=True, verbose=0)

    with open(run.metrics_path, "a") as f:  # a row written after the checkpoint, e.g. by a crash
        f.write(json.dumps({"epoch": 2, "step": 10}) + "\n")
    history = _fit(model, run, epochs=2, resume=True)
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[1]["step"] == 10 and "loss" in history[1]


class Killed(BaseException):
    """A kill: no handler runs (fit only catches interrupts)."""


def _kill_on_call(monkeypatch, owner, name: str, call: int, *, after: bool = False, counts=None) -> None:
    """Make the ``call``-th call of ``owner.name`` (among those whose arguments ``counts``) die, before it
    acts or just ``after``."""
    original, calls = getattr(owner, name), []

    def dying(*args, **kwargs):
        if counts is not None and not counts(*args):
            return original(*args, **kwargs)
        calls.append(1)
        if len(calls) == call and not after:
            raise Killed
        result = original(*args, **kwargs)
        if len(calls) == call:
            raise Killed
        return result

    monkeypatch.setattr(owner, name, dying)


def _is_state(archive, name, *data) -> bool:
    return name == STATE_ENTRY  # Keras writes the model with writestr too


def _is_checkpoint(source, destination) -> bool:
    return Path(destination).name == "checkpoint.keras"


KILL_POINTS = {  # each at the end of epoch 2: (what dies, before or after it acts, which calls count)
    "after best.keras, before the metrics row": ("save_model", True, None),
    "after the metrics row, before the checkpoint": ("append_metrics", True, None),
    "model saved, state not yet in the checkpoint": ("writestr", False, _is_state),
    "checkpoint complete, before its rename": ("replace", False, _is_checkpoint),
    "right after the checkpoint's rename": ("replace", True, _is_checkpoint),
}


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="the same writes in the same order on JAX")
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_anywhere_in_an_epochs_end_resumes_with_each_epoch_once(straight, tmp_path, monkeypatch,
                                                                         point):  # fmt: skip
    weights, history, _ = straight
    name, after, counts = KILL_POINTS[point]
    owners = {"save_model": callbacks, "append_metrics": RunDir, "writestr": zipfile.ZipFile, "replace": os}
    owner = owners[name]
    if name == "save_model":  # best.keras improves every epoch here, so call 2 is epoch 2's
        assert history[1]["val_loss"] < history[0]["val_loss"]
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)
    _kill_on_call(monkeypatch, owner, name, 2, after=after, counts=counts)
    with pytest.raises(Killed):
        _fit(_model(), run)
    monkeypatch.undo()
    run.unlock()  # the killed process's lock goes with it

    model, resumed = _resume(run)

    assert [row["epoch"] for row in resumed] == [1, 2, 3, 4]
    assert [row["loss"] for row in resumed] == pytest.approx([row["loss"] for row in history], rel=1e-5)
    _assert_same_weights(model, weights)
    assert not list(run.path.glob(".*partial*"))


class InterruptAtEnd(keras.callbacks.Callback):
    """Ctrl-C in epoch ``epoch``'s end: during its validation, or in an epoch-end callback (slow scores)."""

    def __init__(self, epoch: int, where: str):
        super().__init__()
        self.epoch, self.where, self.current = epoch, where, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_test_batch_end(self, batch, logs=None):
        if self.where == "validation" and self.current == self.epoch:
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        if self.where == "scores" and epoch == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["validation", "scores"])
def test_ctrl_c_in_an_epochs_end_finishes_that_epoch_on_resume(straight, tmp_path, capsys, where):
    weights, history, _ = straight
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), run, callbacks=[InterruptAtEnd(epoch=1, where=where)])
    assert [row["epoch"] for row in run.history()] == [1]
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("interrupted at epoch 2 step 5;")
    assert (run.state()["epoch"], run.state()["epoch_step"]) == (1, 5)

    model, resumed = _resume(run)

    assert [row["epoch"] for row in resumed] == [1, 2, 3, 4]
    for got, wanted in zip(resumed, history, strict=True):
        assert got["loss"] == pytest.approx(wanted["loss"], rel=1e-5)
        assert got["val_loss"] == pytest.approx(wanted["val_loss"], rel=1e-5)
    _assert_same_weights(model, weights)
    assert run.state()["best_epoch"] == min(history, key=lambda row: row["val_loss"])["epoch"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_a_training_process_with_a_checkpoint(tmp_path, signum):
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.shared.fit_child", str(tmp_path / "run")],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "stepping"
        child.send_signal(signum)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 128 + signum, err
    assert "stopping after this step and saving a checkpoint" in err
    assert f"checkpoint saved: resume with: dldemo train demo --resume {tmp_path / 'run'}" in out
    state = RunDir(tmp_path / "run").state()
    assert state["interrupted"] and state["step"] >= 1


def test_an_interrupted_recording_keeps_its_video(tmp_path):
    from dldemo.shared.live import read_video_frames
    from dldemo.shared.record import RecordCallback

    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)
    video = tmp_path / "train.mp4"
    blank = np.zeros((64, 64, 3), np.uint8)
    record = RecordCallback(lambda model: blank, video, caption=lambda *_: "", hold=1)
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), run, callbacks=[record, InterruptAt(epoch=2, batch=1)])
    assert len(read_video_frames(video)) == 1 + 2  # before training, then epochs 1 and 2
