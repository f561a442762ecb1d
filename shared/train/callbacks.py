"""Keras callbacks of a training run: data epoch sync, validation scores, records and checkpoints,
signals, the end of an interrupted epoch, TensorBoard."""

from __future__ import annotations

import functools
import importlib.util
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np

from dldemo.shared.progress import Progress
from dldemo.shared.train.checkpoint import save_checkpoint, save_model
from dldemo.shared.train.cluster import local_model
from dldemo.shared.train.dataset import SeededBatches
from dldemo.shared.train.interrupts import check_interrupt
from dldemo.shared.train.rundir import RunDir


def global_step(model: keras.Model) -> int:
    """Optimizer steps taken so far (saved in the ``.keras`` file, so it survives a resume)."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def current_lr(model: keras.Model) -> float:
    """The learning rate now (a schedule is evaluated at the current step)."""
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


class SyncEpoch(keras.callbacks.Callback):
    """Tells the training data which epoch ``model.fit`` is starting."""

    def __init__(self, train: SeededBatches):
        super().__init__()
        self.train = train

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if epoch != self.train.epoch:  # the first epoch of a fit call was set (and maybe skipped) already
            self.train.set_epoch(epoch)


class ValidationScores(keras.callbacks.Callback):
    """After every epoch, ``score(model)`` on the app's validation data; each number goes into the
    epoch's logs as ``val_<name>`` (so the run records it and ``monitor`` can pick best.keras by it)."""

    def __init__(self, score: Callable[[keras.Model], Mapping[str, float]]):
        super().__init__()
        self.score = score

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            with local_model(self.model) as model:
                logs.update({f"val_{name}": value for name, value in self.score(model).items()})


class RunRecorder(keras.callbacks.Callback):
    """A run's records: after every epoch best.keras (if ``monitor`` improved), a metrics row, then the
    checkpoint, which commits the epoch (a kill before it redoes the epoch; resume drops its row); and a
    mid-epoch checkpoint every ``checkpoint_seconds`` of training.

    It knows where training stands (epoch, batches done in it) for a save on an interrupt, and whether the
    current ``model.fit`` call has finished a batch at all: until then the model may hold no weights
    (JAX detaches them during the first step), and the last checkpoint is current.
    """

    def __init__(
        self,
        run_dir: RunDir,
        train: SeededBatches,
        *,
        monitor: str,
        mode: str,
        state: Mapping,
        checkpoint_seconds: float = 600.0,
    ):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.run_dir, self.train, self.monitor, self.mode = run_dir, train, monitor, mode
        self.checkpoint_seconds = checkpoint_seconds
        self.best: float | None = state.get("best")
        self.best_epoch: int | None = state.get("best_epoch")
        self.epoch = state.get("epoch", 0)
        self.saved_at: tuple[int, int] | None = (self.epoch, state["epoch_step"]) if state else None
        self._carried_seconds = state.get("epoch_seconds", 0.0)  # the interrupted epoch's time so far
        self._epoch_start_step = 0
        self._batch_logs: tuple[int, Mapping] = (0, {})  # (batches done in the epoch, their means)
        self._t0 = self._last_save = time.perf_counter()
        self.stepped = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.stepped = False
        self._last_save = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start_epoch(epoch, batches_done=self.train.skipped)

    def start_epoch(self, epoch: int, *, batches_done: int) -> None:
        """Epoch ``epoch`` (0-based) goes on with ``batches_done`` of its batches behind it."""
        self.epoch = epoch
        self._epoch_start_step = global_step(self.model) - batches_done
        self._t0 = time.perf_counter() - self._carried_seconds
        self._carried_seconds = 0.0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.stepped = True
        self._batch_logs = (self.train.skipped + batch + 1, logs or {})
        if time.perf_counter() - self._last_save >= self.checkpoint_seconds:
            sync_weights(self.model)
            self.save(*self.position())

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = {name: float(value) for name, value in (logs or {}).items()}
        monitor = self.monitor if self.monitor in logs else self.monitor.removeprefix("val_")
        if monitor not in logs:
            raise ValueError(f"monitor {self.monitor!r} is not among the epoch's logs {sorted(logs)}")
        value = logs[monitor]
        if self.best is None or (value < self.best if self.mode == "min" else value > self.best):
            self.best, self.best_epoch = value, epoch + 1
            save_model(self.model, self.run_dir.best_path)
        row = {"epoch": epoch + 1, "step": global_step(self.model), "time_s": round(self.seconds(), 3)}
        row |= logs
        row["lr"] = current_lr(self.model)
        self.run_dir.append_metrics(row)
        self.save(epoch + 1, 0)

    def seconds(self) -> float:
        """Training time in the current epoch, over every stretch of it."""
        return time.perf_counter() - self._t0

    def position(self) -> tuple[int, int]:
        """(the epoch training is in, batches done in it); an epoch whose checkpoint is saved counts as
        done, one whose batches all ran but whose end (validation, records) did not yet gives
        ``batches_per_epoch``."""
        if self.saved_at == (self.epoch + 1, 0):
            return self.saved_at
        return self.epoch, global_step(self.model) - self._epoch_start_step

    def _means(self, epoch_step: int) -> dict[str, float]:
        """The training means over the first ``epoch_step`` batches of the epoch: from the last batch's
        logs, or from the model's metrics when that batch's logs never reached this callback (an
        interrupt raised before it; validation, which resets the metrics, had not started then)."""
        if not epoch_step:
            return {}
        logged, logs = self._batch_logs
        return scalar_logs(logs if logged == epoch_step else self.model.get_metrics_result())

    def save(self, epoch: int, epoch_step: int, *, interrupted: bool = False) -> None:
        """Checkpoint the model with the state of ``epoch_step`` batches into epoch ``epoch`` (0-based)."""
        state = {
            "epoch": epoch,
            "epoch_step": epoch_step,
            "step": global_step(self.model),
            "batches_per_epoch": self.train.batches_per_epoch,
            "seed": self.train.seed,
            "monitor": self.monitor,
            "mode": self.mode,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "interrupted": interrupted,
            "epoch_seconds": round(self.seconds(), 3) if epoch_step else 0.0,
            # the means over the epoch's batches so far: a resume carries them into the epoch's row
            "epoch_logs": self._means(epoch_step),
            "random_states": random_states(self.model),
        }
        save_checkpoint(self.model, self.run_dir.checkpoint_path, state)
        self.saved_at, self._last_save = (epoch, epoch_step), time.perf_counter()


class EpochProgress(keras.callbacks.Callback):
    """Progress inside every epoch (batches, rate, ETA, running loss; see ``shared.progress``), then one
    line per epoch with its numbers. It comes after the records: the line shows what they added."""

    def __init__(self, train: SeededBatches, epochs: int):
        super().__init__()
        self.train, self.epochs = train, epochs
        self.bar: Progress | None = None
        self._loss: Mapping = {}

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        label = f"epoch {epoch + 1}/{self.epochs}"
        self.bar = Progress(self.train.batches_per_epoch, label=label, unit="batch", done=self.train.skipped)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._loss = logs or {}
        self.bar.update(1, lambda: f"loss {float(self._loss['loss']):.4g}" if "loss" in self._loss else "")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        numbers = "  ".join(f"{name} {float(value):.4g}" for name, value in (logs or {}).items())
        self.bar.close(f"epoch {epoch + 1}/{self.epochs} ({self.bar.elapsed():.0f} s): {numbers}")


class StopOnSignal(keras.callbacks.Callback):
    """Acts on Ctrl-C or SIGTERM (see ``interrupts``) after a training or validation step, or an epoch."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        check_interrupt()

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        check_interrupt()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        check_interrupt()


class CarryEpochLogs(keras.callbacks.Callback):
    """The training means of an epoch resumed after ``batches`` batches cover the whole epoch: the means
    saved at the interrupt (``logs``) and those of the resumed part, weighted by their items (as Keras
    weighs its running means). It must come first among the callbacks, which all share the epoch's logs."""

    def __init__(self, logs: Mapping[str, float], batches: int, train: SeededBatches):
        super().__init__()
        items = min(train.batches_per_epoch * train.batch_size, train.num_items())
        self.logs, self.share = dict(logs), batches * train.batch_size / items

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for name, before in self.logs.items():
            if logs is not None and name in logs:
                logs[name] = self.share * before + (1 - self.share) * float(logs[name])


class FinishEpoch(keras.callbacks.Callback):
    """When a resumed ``fit`` begins: the end of epoch ``epoch``, whose batches all ran before an interrupt
    cut its end short. It validates on ``val`` and calls ``on_epoch_begin`` and ``on_epoch_end`` of
    ``callbacks`` (the recorder's start: all batches done) with the epoch's saved training logs, so the
    epoch is recorded exactly once."""

    def __init__(self, epoch: int, logs: Mapping[str, float], val, callbacks: list, recorder: RunRecorder):
        super().__init__()
        self.epoch, self.logs, self.val = epoch, dict(logs), val
        self.callbacks, self.recorder = callbacks, recorder

    def on_train_begin(self, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            if callback is self.recorder:
                callback.start_epoch(self.epoch, batches_done=self.recorder.train.batches_per_epoch)
            else:
                callback.on_epoch_begin(self.epoch)
        logs = dict(self.logs)
        if self.val is not None:
            unpack = isinstance(self.val, tuple)  # (x, y[, weights]) as model.fit takes it, else a dataset
            x, y, weights = (
                keras.utils.unpack_x_y_sample_weight(self.val) if unpack else (self.val, None, None)
            )
            scores = self.model.evaluate(x, y, sample_weight=weights, return_dict=True, verbose=0)
            logs |= {f"val_{name}": value for name, value in scores.items()}
        for callback in self.callbacks:
            callback.on_epoch_end(self.epoch, logs)


def sync_weights(model: keras.Model) -> None:
    """Make the model's variables current mid-``fit`` (the JAX trainer keeps them apart between epochs)."""
    if hasattr(model, "jax_state_sync"):
        model.jax_state_sync()


def random_states(model: keras.Model) -> list[list[int]]:
    """The states of the model's seed generators (dropout masks): ``.keras`` files do not save them."""
    return [keras.ops.convert_to_numpy(v).tolist() for v in _seed_variables(model)]


def restore_random_states(model: keras.Model, states: list[list[int]]) -> None:
    """Put back what ``random_states`` returned, so a resumed run draws the same dropout masks."""
    variables = _seed_variables(model)
    if len(variables) != len(states):
        raise ValueError(f"the model has {len(variables)} seed generators, the checkpoint {len(states)}")
    for variable, state in zip(variables, states, strict=True):
        variable.assign(np.asarray(state, dtype=variable.dtype))


def _seed_variables(model: keras.Model) -> list:
    return [v for v in model.variables if v.name == "seed_generator_state"]


def scalar_logs(logs: Mapping | None) -> dict[str, float]:
    """The scalar Keras logs (possibly tensors) as plain floats."""
    return {name: float(value) for name, value in (logs or {}).items() if np.size(value) == 1}


def tensorboard(log_dir: Path) -> list[keras.callbacks.Callback]:
    """A TensorBoard callback writing to ``log_dir`` when TensorFlow and TensorBoard are installed."""
    return [keras.callbacks.TensorBoard(log_dir=str(log_dir), write_graph=False)] if _can_log() else []


@functools.cache
def _can_log() -> bool:
    missing = [name for name in ("tensorflow", "tensorboard") if not _importable(name)]
    if missing:
        print(f"{' and '.join(missing)} not installed: training without TensorBoard logs", file=sys.stderr)
    return not missing


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True
