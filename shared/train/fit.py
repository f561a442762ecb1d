"""``fit``: ``model.fit`` plus run records, checkpoints, signal handling and exact resume."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras

from dldemo.shared.errors import UserError
from dldemo.shared.train.averaging import EpochAverage, save_averaged_model
from dldemo.shared.train.callbacks import (
    CarryEpochLogs,
    EpochProgress,
    FinishEpoch,
    RunRecorder,
    StopOnSignal,
    SyncEpoch,
    global_step,
    restore_random_states,
    tensorboard,
)
from dldemo.shared.train.cluster import process_count
from dldemo.shared.train.dataset import SeededBatches
from dldemo.shared.train.distribute import replica_statistics
from dldemo.shared.train.interrupts import deferred_interrupts
from dldemo.shared.train.rundir import RunDir


def fit(
    model: keras.Model,
    train: SeededBatches,
    *,
    epochs: int,
    run_dir: RunDir,
    val=None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    monitor: str = "val_loss",
    mode: str = "min",
    resume: bool = False,
    average_last: int = 0,
    checkpoint_seconds: float = 600.0,
    verbose: int = 1,
) -> list[dict]:
    """Train the compiled ``model`` on ``train`` up to ``epochs`` epochs; return every epoch's metrics row.

    After each epoch it saves best.keras when ``monitor`` improved (``val_x`` falls back to ``x`` when
    the logs have no ``val_x``), appends a row to metrics.jsonl and commits checkpoint.keras (with the
    training state inside); every ``checkpoint_seconds`` it also checkpoints mid-epoch. On Ctrl-C or
    SIGTERM it stops after the current step, saves a checkpoint there, prints how to resume and raises
    ``Interrupted``. With ``resume=True`` (``model`` loaded from ``run_dir.checkpoint_path``) it carries
    on from that state, skipping the batches of an interrupted epoch already trained on (or finishing an
    epoch whose end was cut short), so the result matches an uninterrupted run and every epoch has one
    metrics row. ``val`` is anything ``model.fit`` takes as ``validation_data``. With
    ``average_last=K`` it also averages the weights of the last K epochs and, once training is done,
    saves that model as averaged.keras. In a cluster checkpoints are saved at epoch ends only. The run
    folder is locked while it trains. ``verbose`` shows progress inside each epoch and a line per epoch
    (0: silent).
    """
    if model.optimizer is None:
        raise ValueError("fit needs a compiled model")
    run_dir.lock()
    try:
        with deferred_interrupts():
            _fit(model, train, epochs, run_dir, val, list(callbacks), monitor, mode, resume, average_last,
                 checkpoint_seconds, verbose)  # fmt: skip
    finally:
        run_dir.unlock()
    return run_dir.history()


def _fit(model, train, epochs, run_dir, val, callbacks, monitor, mode, resume, average_last,
         checkpoint_seconds, verbose) -> None:  # fmt: skip
    state = _resume_state(model, train, run_dir) if resume else {}
    if process_count() > 1:  # processes would save at different steps: all save at epoch ends only
        checkpoint_seconds = math.inf
    recorder = RunRecorder(run_dir, train, monitor=monitor, mode=mode, state=state,
                           checkpoint_seconds=checkpoint_seconds)  # fmt: skip
    averager = [EpochAverage(run_dir.average_path, epochs=epochs, count=average_last)] if average_last else []
    # the epoch's end, in order: the app's scores and records, its average, then the checkpoint (the commit)
    synced = replica_statistics(model)  # first: the scores and saves see the averaged statistics
    epoch_end = [*synced, *callbacks, *tensorboard(run_dir.tensorboard_dir), *averager, recorder]
    shown = [EpochProgress(train, epochs)] if verbose else []  # after the records, before a stop

    def run(first: int, last: int, skip: int, *extra: keras.callbacks.Callback) -> None:
        train.set_epoch(first)
        train.skip(skip)
        carry = [CarryEpochLogs(state["epoch_logs"], skip, train)] if skip else []
        model.fit(
            train,
            epochs=last,
            initial_epoch=first,
            validation_data=val,
            callbacks=[SyncEpoch(train), *carry, *epoch_end, *shown, StopOnSignal(), *extra],
            shuffle=False,  # the batch order comes from `train`
            verbose=0,
        )

    epoch, skip = state.get("epoch", 0), state.get("epoch_step", 0)
    try:
        if skip == train.batches_per_epoch:  # its batches ran, its end did not: finish it first
            finish = FinishEpoch(epoch, state["epoch_logs"], val, [*epoch_end, *shown], recorder)
            run(epoch + 1, epochs, 0, finish)
        else:
            if skip and epoch < epochs:  # finish the interrupted epoch on its own: it has fewer batches
                run(epoch, epoch + 1, skip)
                epoch += 1
            if epoch < epochs and not model.stop_training:
                run(epoch, epochs, 0)
    except KeyboardInterrupt:
        _save_on_interrupt(model, run_dir, recorder)
        for callback in callbacks:  # let them close what they write (videos, logs)
            callback.on_train_end()
        raise
    if average_last and run_dir.average_path.is_file():
        count = save_averaged_model(model, run_dir.average_path, run_dir.averaged_path)
        print(f"weights of the last {count} epochs averaged: {run_dir.averaged_path}")


def _save_on_interrupt(model: keras.Model, run_dir: RunDir, recorder: RunRecorder) -> None:
    """Checkpoint where the interrupt stopped training and print the one line that says how to go on."""
    resume = f"resume with: dldemo train {run_dir.config().get('app')} --resume {run_dir.path}"
    position = recorder.position() if recorder.stepped else recorder.saved_at
    if position is None:
        print("\ninterrupted before the first training step: nothing to save")
        return
    epoch, epoch_step = position
    if position != recorder.saved_at:
        recorder.save(epoch, epoch_step, interrupted=True)
    where = f"epoch {epoch + 1} step {epoch_step}" if epoch_step else f"the end of epoch {epoch}"
    print(f"\ninterrupted at {where}; checkpoint saved: {resume}")


def _resume_state(model: keras.Model, train: SeededBatches, run_dir: RunDir) -> dict:
    """The checkpoint's state, checked against the loaded model and the data; its random states are put
    back and metrics rows after it are dropped."""
    state = run_dir.state()
    if state is None:
        raise UserError(f"{run_dir.path} has no checkpoint: start a new run")
    if state["seed"] != train.seed:
        raise UserError(
            f"{run_dir.path} was trained with seed {state['seed']}, not {train.seed}: "
            f"resume with seed {state['seed']}"
        )
    if state["batches_per_epoch"] != train.batches_per_epoch:
        raise UserError(
            f"{run_dir.path} had {state['batches_per_epoch']} batches per epoch, the data now gives "
            f"{train.batches_per_epoch}: resume with the same data and batch size or start a new run"
        )
    if state["step"] != global_step(model):
        raise UserError(
            f"the model is at step {global_step(model)} but the checkpoint's state at {state['step']}: "
            f"the checkpoint is inconsistent, start a new run"
        )
    restore_random_states(model, state["random_states"])
    run_dir.keep_history(lambda row: row.get("epoch", 0) <= state["epoch"])
    epoch, step = state["epoch"], state["epoch_step"]
    where = (
        f"epoch {epoch + 1}, step {step} of {state['batches_per_epoch']}" if step else f"epoch {epoch + 1}"
    )
    print(f"resuming {run_dir.path} at {where}")
    return state
