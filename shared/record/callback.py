"""A Keras callback that records a video of the model's output during training, plus its learning curve."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import keras
import numpy as np

from dldemo.shared.record.curve import plot_learning_curve
from dldemo.shared.record.recorder import TrainingRecorder
from dldemo.shared.train.callbacks import scalar_logs
from dldemo.shared.train.cluster import is_primary, local_model
from dldemo.shared.train.rundir import RunDir

Caption = Callable[[int, Mapping[str, float]], str]


class RecordCallback(keras.callbacks.Callback):
    """Render the model before training and every ``every_epochs`` epochs (and/or ``every_steps`` batches).

    ``render(model)`` returns the RGB panel; ``caption(epoch, logs)`` its caption. Step records pass the
    batch logs plus ``"step"`` (the global batch count). At the end the MP4 is closed and the learning
    curve of the epoch logs is written beside it (same stem, ``.png``).
    """

    def __init__(
        self,
        render: Callable[[keras.Model], np.ndarray],
        output: str | Path,
        *,
        caption: Caption,
        every_epochs: int = 1,
        every_steps: int | None = None,
        initial_epoch: int = 0,
        fps: float = 2.0,
        hold: int = 2,
    ) -> None:
        super().__init__()
        self.render, self.caption = render, caption
        self.output = Path(output)
        self.every_epochs, self.every_steps = every_epochs, every_steps
        self.initial_epoch, self.fps, self.hold = initial_epoch, fps, hold
        self.history: list[dict[str, float]] = []
        self.recorder: TrainingRecorder | None = None
        self._epoch = initial_epoch
        self._step = 0

    @property
    def curve_path(self) -> Path:
        return self.output.with_suffix(".png")

    def _record(self, epoch: int, logs: Mapping[str, float]) -> None:
        with local_model(self.model) as model:
            self.recorder.add(self.render(model), self.caption(epoch, logs))

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self.recorder = TrainingRecorder(self.output, fps=self.fps, hold=self.hold)
        self.history, self._step = [], 0
        self._record(self.initial_epoch, {})

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        self._step += 1
        if self.every_steps and self._step % self.every_steps == 0:
            self._record(self._epoch + 1, {**scalar_logs(logs), "step": self._step})

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        logs = scalar_logs(logs)
        self.history.append({"epoch": epoch + 1, **logs})
        if self.every_epochs and (epoch + 1) % self.every_epochs == 0:
            self._record(epoch + 1, logs)

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        """Close the video (also after an interrupt: ``fit`` calls this then) and draw the curve."""
        if self.recorder is None:
            return
        video = self.recorder.close()
        curve = plot_learning_curve(self.history, self.curve_path, title=self.output.stem)
        print(f"wrote {video} ({self.recorder.frames_written} frames) and {curve}")


def epoch_caption(describe: Callable[[Mapping[str, float]], str], needs: str) -> Caption:
    """A caption "epoch N · <describe(logs)>", the second part once the logs hold ``needs``."""
    return lambda epoch, logs: f"epoch {epoch}" + (f" · {describe(logs)}" if needs in logs else "")


def record_training(
    run_dir: RunDir,
    render: Callable[[keras.Model], np.ndarray],
    *,
    caption: Caption,
    output: str | Path | None,
    train: Callable[[list[keras.callbacks.Callback]], object],
) -> None:
    """The `record` verb of an app that trains with ``fit``: ``train(callbacks)`` with a RecordCallback
    that renders the model after every epoch into ``output`` (default: the run's media/train.mp4); a
    resumed run's video continues its epoch count. In a cluster, only process 0 writes ``output``."""
    history = run_dir.history()
    callback = RecordCallback(
        render,
        output if output and is_primary() else run_dir.media_dir / "train.mp4",
        caption=caption,
        initial_epoch=history[-1]["epoch"] if history else 0,
    )
    train([callback])
