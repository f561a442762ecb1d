"""Keras callbacks of a training run: data epoch sync, validation scores, per-epoch records, TensorBoard."""

from __future__ import annotations

import functools
import importlib.util
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import keras

from dldemo.shared.train.checkpoint import save_checkpoint, save_model
from dldemo.shared.train.dataset import SeededBatches
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
            logs.update({f"val_{name}": value for name, value in self.score(self.model).items()})


class RunRecorder(keras.callbacks.Callback):
    """After every epoch: best.keras if ``monitor`` improved, checkpoint + state.json, a metrics row.

    It also knows where training stands (epoch, batches done in it) for a save on Ctrl-C, and
    whether the current ``model.fit`` call has finished a batch at all: until then the model may
    hold no weights (JAX detaches them during the first step), and the last checkpoint is current.
    """

    def __init__(self, run_dir: RunDir, train: SeededBatches, *, monitor: str, mode: str, state: dict):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.run_dir, self.train, self.monitor, self.mode = run_dir, train, monitor, mode
        self.best: float | None = state.get("best")
        self.best_epoch: int | None = state.get("best_epoch")
        self._epoch = 0
        self._epoch_start_step = 0
        self._t0 = 0.0
        self.stepped = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.stepped = False

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.stepped = True

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        self._epoch_start_step = global_step(self.model)
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = {name: float(value) for name, value in (logs or {}).items()}
        monitor = self.monitor if self.monitor in logs else self.monitor.removeprefix("val_")
        if monitor not in logs:
            raise ValueError(f"monitor {self.monitor!r} is not among the epoch's logs {sorted(logs)}")
        value = logs[monitor]
        if self.best is None or (value < self.best if self.mode == "min" else value > self.best):
            self.best, self.best_epoch = value, epoch + 1
            save_model(self.model, self.run_dir.best_path)
        step = global_step(self.model)
        save_checkpoint(self.model, self.run_dir.checkpoint_path, self.state(epoch + 1, 0, step=step))
        row = {"epoch": epoch + 1, "step": step, "time_s": round(time.perf_counter() - self._t0, 3)}
        row |= logs
        row["lr"] = current_lr(self.model)
        self.run_dir.append_metrics(row)

    def position(self) -> tuple[int, int]:
        """(epochs finished, batches finished in the next one), from the optimizer's step count."""
        done = self.train.skipped + global_step(self.model) - self._epoch_start_step
        if done >= self.train.batches_per_epoch:
            return self._epoch + 1, 0
        return self._epoch, done

    def state(self, epoch: int, epoch_step: int, *, step: int, interrupted: bool = False) -> dict:
        """The state.json of a checkpoint taken ``epoch_step`` batches into epoch ``epoch`` (0-based)."""
        return {
            "epoch": epoch,
            "epoch_step": epoch_step,
            "step": step,
            "batches_per_epoch": self.train.batches_per_epoch,
            "seed": self.train.seed,
            "monitor": self.monitor,
            "mode": self.mode,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "interrupted": interrupted,
        }


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
