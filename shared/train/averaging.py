"""Weight averaging over a run's last epochs: the mean of the weights at the end of each of them
(checkpoint averaging as in Vaswani et al. 2017; stochastic weight averaging, Izmailov et al. 2018).

The running mean lives in the run folder (``average.npz``, rewritten atomically after every averaged
epoch), so an interrupted and resumed run goes on averaging where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np

from dldemo.shared.train.checkpoint import atomic_path, save_model

COUNT_KEY = "epochs_averaged"


def load_average(path: Path) -> tuple[list[np.ndarray], int]:
    """(the mean of each model weight, how many epochs it covers) from an ``average.npz``."""
    with np.load(path, allow_pickle=False) as saved:
        count = int(saved[COUNT_KEY])
        return [saved[f"w{i}"] for i in range(len(saved.files) - 1)], count


def _save_average(path: Path, mean: list[np.ndarray], count: int) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **{f"w{i}": values for i, values in enumerate(mean)}, **{COUNT_KEY: np.int64(count)})


class EpochAverage(keras.callbacks.Callback):
    """Folds the model's weights into the running mean at the end of each of the last ``count`` of
    ``epochs`` epochs. Float weights are averaged; others (step counters) keep their latest value.

    It runs before the epoch's checkpoint: an epoch redone after a kill between the two is folded once."""

    def __init__(self, path: Path, *, epochs: int, count: int) -> None:
        super().__init__()
        if not 1 <= count <= epochs:
            raise ValueError(f"can average 1 to {epochs} epochs, not {count}")
        self.path, self.first = Path(path), epochs - count

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch < self.first:
            return
        current = self.model.get_weights()
        mean, count = load_average(self.path) if self.path.is_file() else (current, 0)
        if count > epoch - self.first:  # folded already, then killed before the checkpoint
            return
        pairs = zip(mean, current, strict=True)
        mean = [m + (w - m) / (count + 1) if w.dtype.kind == "f" else w for m, w in pairs]
        _save_average(self.path, mean, count + 1)


def save_averaged_model(model: keras.Model, average: Path, path: Path) -> int:
    """Write ``model`` with the averaged weights of ``average`` to ``path`` (atomically); the model keeps
    its own weights. Returns how many epochs the average covers."""
    mean, count = load_average(average)
    own = model.get_weights()
    model.set_weights(mean)
    try:
        save_model(model, path)
    finally:
        model.set_weights(own)
    return count


def promote_average(
    run_dir, score: Callable[[keras.Model], Mapping[str, float]], *, key: str, custom_objects: Mapping
) -> tuple[dict, bool]:
    """Score the run's averaged.keras; it replaces best.keras when its ``score()[key]`` beats the run's
    best (the checkpoint's state, a maximised monitor). Returns (the averaged model's scores, promoted?)."""
    import shutil

    from dldemo.shared.train.checkpoint import load_checkpoint

    averaged = load_checkpoint(run_dir.averaged_path, custom_objects=custom_objects)
    scores = dict(score(averaged))
    better = scores[key] > run_dir.state()["best"]
    if better:
        with atomic_path(run_dir.best_path) as tmp:
            shutil.copyfile(run_dir.averaged_path, tmp)
    return scores, better
