"""A child process for the signal tests: a tiny ``fit`` that takes its time until the parent signals it.

Run as ``python -m tests.shared.fit_child RUN_DIR``; it prints "stepping" after its first training step and
exits with the interrupt's exit code."""

import sys
import time

import keras

from dldemo.shared.train import create_run_dir, fit
from dldemo.shared.train.interrupts import Interrupted
from tests.shared.test_train_fit import VAL, Regression, _model


class Slowly(keras.callbacks.Callback):
    """Says when training has stepped, then gives every step 20 ms so the signal lands mid-epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.said = False

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self.said:
            print("stepping", flush=True)
            self.said = True
        time.sleep(0.02)


if __name__ == "__main__":
    run = create_run_dir("demo", {"seed": 1}, run_dir=sys.argv[1])
    try:
        fit(_model(), Regression(), epochs=10_000, run_dir=run, val=VAL, callbacks=[Slowly()], verbose=0)
    except Interrupted as stop:
        sys.exit(stop.exit_code)
