"""Train-and-record: videos of a model's output at training checkpoints and learning-curve PNGs.

``RecordCallback`` and the record flow import keras, so they are loaded on first access only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dldemo.shared.record.curve import plot_learning_curve
from dldemo.shared.record.recorder import TrainingRecorder, captioned

if TYPE_CHECKING:
    from dldemo.shared.record.callback import RecordCallback, epoch_caption, record_training

__all__ = [
    "RecordCallback",
    "TrainingRecorder",
    "captioned",
    "epoch_caption",
    "plot_learning_curve",
    "record_training",
]
_KERAS_NAMES = ("RecordCallback", "epoch_caption", "record_training")


def __getattr__(name: str) -> Any:
    if name in _KERAS_NAMES:
        from dldemo.shared.record import callback

        return getattr(callback, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
