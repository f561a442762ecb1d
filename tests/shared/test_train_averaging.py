"""fit(average_last=K): averaged.keras holds the mean of the weights at the end of the last K epochs,
also when the run was interrupted inside those epochs and resumed."""

import keras
import numpy as np
import pytest

from dldemo.shared.train import create_run_dir, load_checkpoint
from dldemo.shared.train.averaging import EpochAverage, load_average
from tests.shared.test_train_fit import EPOCHS, InterruptAt, _fit, _model, _resume


class EpochEndWeights(keras.callbacks.Callback):
    """Collects the model's weights at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots.append(self.model.get_weights())


def _mean(snapshots):
    return [np.mean(values, axis=0) for values in zip(*snapshots, strict=True)]


def _assert_weights(got, wanted):
    for g, w in zip(got, wanted, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def averaged(tmp_path_factory):
    """A straight run averaging its last 3 epochs: (weights at each epoch end, final weights, run dir)."""
    model, seen = _model(), EpochEndWeights()
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path_factory.mktemp("runs"))
    _fit(model, run, callbacks=[seen], average_last=3)
    return seen.snapshots, model.get_weights(), run


def test_the_average_is_the_mean_of_the_last_epochs(averaged, capsys):
    snapshots, final, run = averaged
    assert len(snapshots) == EPOCHS
    mean, count = load_average(run.average_path)
    assert count == 3
    _assert_weights(mean, _mean(snapshots[-3:]))
    _assert_weights(load_checkpoint(run.averaged_path).get_weights(), _mean(snapshots[-3:]))
    assert not np.allclose(mean[0], final[0])  # the epochs differ, so the mean is not the last one
    _assert_weights(load_checkpoint(run.checkpoint_path).get_weights(), final)  # the run itself is unchanged


def test_an_interrupted_run_averages_the_same_epochs_after_resume(averaged, tmp_path):
    snapshots, _, _ = averaged
    run = create_run_dir("demo", {"seed": 1}, root=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        _fit(_model(), run, callbacks=[InterruptAt(epoch=2, batch=1)], average_last=3)
    assert load_average(run.average_path)[1] == 1  # epoch 2 done, epoch 3 cut short
    assert not run.averaged_path.exists()

    _resume(run, average_last=3)

    _assert_weights(load_checkpoint(run.averaged_path).get_weights(), _mean(snapshots[-3:]))


def test_more_epochs_than_the_run_has_is_an_error():
    with pytest.raises(ValueError, match="can average 1 to 4 epochs, not 5"):
        EpochAverage("average.npz", epochs=4, count=5)
