"""Train-and-record: videos of a model's output at training checkpoints and learning-curve PNGs.

``RecordCallback`` imports keras, so it is loaded on first access only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dldemo.shared.record.curve import plot_learning_curve
from dldemo.shared.record.recorder import TrainingRecorder, captioned

if TYPE_CHECKING:
    from dldemo.shared.record.callback import RecordCallback

__all__ = ["RecordCallback", "TrainingRecorder", "captioned", "plot_learning_curve"]


def __getattr__(name: str) -> Any:
    if name == "RecordCallback":
        from dldemo.shared.record.callback import RecordCallback

        return RecordCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
