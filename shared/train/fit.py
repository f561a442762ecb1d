"""``fit``: ``model.fit`` plus run records, checkpoints, Ctrl-C handling and exact resume."""

from __future__ import annotations

import json
from collections.abc import Sequence

import keras

from dldemo.shared.errors import UserError
from dldemo.shared.train.averaging import EpochAverage, save_averaged_model
from dldemo.shared.train.callbacks import RunRecorder, SyncEpoch, global_step, tensorboard
from dldemo.shared.train.checkpoint import save_checkpoint
from dldemo.shared.train.dataset import SeededBatches
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
    verbose: int = 1,
) -> list[dict]:
    """Train the compiled ``model`` on ``train`` up to ``epochs`` epochs; return every epoch's metrics row.

    After each epoch it appends a row to metrics.jsonl, saves checkpoint.keras + state.json, and
    best.keras when ``monitor`` improved (``val_x`` falls back to ``x`` when the logs have no ``val_x``).
    On Ctrl-C it saves a checkpoint at the current batch, prints how to resume and returns.
    With ``resume=True`` (``model`` loaded from ``run_dir.checkpoint_path``) it carries on from
    state.json, skipping the batches of an interrupted epoch already trained on, so the result
    matches an uninterrupted run. ``val`` is anything ``model.fit`` takes as ``validation_data``.
    With ``average_last=K`` it also averages the weights of the last K epochs and, once training is
    done, saves that model as averaged.keras.
    """
    if model.optimizer is None:
        raise ValueError("fit needs a compiled model")
    state = _resume_state(model, train, run_dir) if resume else {}
    recorder = RunRecorder(run_dir, train, monitor=monitor, mode=mode, state=state)
    all_callbacks = [SyncEpoch(train), *callbacks, *tensorboard(run_dir.tensorboard_dir), recorder]
    if average_last:  # after the recorder: an epoch is averaged once its checkpoint is saved
        all_callbacks.append(EpochAverage(run_dir.average_path, epochs=epochs, count=average_last))

    def run(first: int, last: int, skip: int) -> None:
        train.set_epoch(first)
        train.skip(skip)
        model.fit(
            train,
            epochs=last,
            initial_epoch=first,
            validation_data=val,
            callbacks=all_callbacks,
            shuffle=False,  # the batch order comes from `train`
            verbose=verbose,
        )

    epoch, skip = state.get("epoch", 0), state.get("epoch_step", 0)
    try:
        if skip and epoch < epochs:  # finish the interrupted epoch on its own: it has fewer batches
            run(epoch, epoch + 1, skip)
            epoch += 1
        if epoch < epochs and not model.stop_training:
            run(epoch, epochs, 0)
    except KeyboardInterrupt:
        _save_on_interrupt(model, run_dir, recorder)
        return run_dir.history()
    if average_last and run_dir.average_path.is_file():
        count = save_averaged_model(model, run_dir.average_path, run_dir.averaged_path)
        print(f"weights of the last {count} epochs averaged: {run_dir.averaged_path}")
    return run_dir.history()


def _save_on_interrupt(model: keras.Model, run_dir: RunDir, recorder: RunRecorder) -> None:
    """Checkpoint where Ctrl-C stopped training and print the one line that says how to go on."""
    resume = f"resume with: dldemo train {run_dir.config().get('app')} --resume {run_dir.path}"
    if recorder.stepped:
        epoch, epoch_step = recorder.position()
        state = recorder.state(epoch, epoch_step, step=global_step(model), interrupted=True)
        save_checkpoint(model, run_dir.checkpoint_path, state)
        print(f"\ninterrupted at epoch {epoch + 1} step {epoch_step}; checkpoint saved: {resume}")
    elif run_dir.checkpoint_path.is_file():
        print(f"\ninterrupted before a training step; the last checkpoint is current: {resume}")
    else:
        print("\ninterrupted before the first training step: nothing to save")


def _resume_state(model: keras.Model, train: SeededBatches, run_dir: RunDir) -> dict:
    """state.json, checked against the loaded model and the data; metrics rows after it are dropped."""
    state = run_dir.state()
    if state is None:
        raise UserError(f"{run_dir.path} has no {run_dir.state_path.name}: start a new run")
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
            f"the model is at step {global_step(model)} but {run_dir.state_path} at {state['step']}: "
            f"resume from {run_dir.checkpoint_path.name} (or start a new run if it was saved half-way)"
        )
    rows = [row for row in run_dir.history() if row["epoch"] <= state["epoch"]]
    run_dir.metrics_path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return state
