"""TensorFlow's data parallelism: ``MirroredStrategy`` over one machine's devices, and
``MultiWorkerMirroredStrategy`` over the machines TF_CONFIG names.

Kept apart so that the rest of the training layer never imports TensorFlow (it also runs without it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dldemo.shared.errors import UserError


def mirror_over(devices: Sequence[str]) -> None:
    """Make a ``MirroredStrategy`` over ``devices`` ("gpu:0", ...) the global strategy: every model built
    afterwards keeps a copy of its variables on each device, and ``fit`` splits each batch across them
    and sums the gradients (the loss is scaled by the replica count, so one step equals one device's
    step on the whole batch)."""
    import tensorflow as tf

    names = [f"/{kind}:{index}" for kind, index in (device.split(":") for device in devices)]
    tf.distribute.experimental_set_strategy(tf.distribute.MirroredStrategy(devices=names))


def join_worker_cluster() -> tuple[int, int]:
    """Make a ``MultiWorkerMirroredStrategy`` over the cluster in TF_CONFIG the global strategy (before
    any TensorFlow operation runs); returns (this worker's index, worker count)."""
    try:
        config = json.loads(os.environ["TF_CONFIG"])
        workers, task = config["cluster"]["worker"], config["task"]
        rank = int(task["index"])
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(
            f'TF_CONFIG is not a cluster of workers ({error!r}): set it to {{"cluster": {{"worker": '
            '["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
        ) from None
    if task.get("type") != "worker" or not 0 <= rank < len(workers):
        raise UserError(f"TF_CONFIG's task must be a worker with an index in 0..{len(workers) - 1}")
    import tensorflow as tf

    print(
        f"joining the cluster of {len(workers)} workers as worker {rank}: waiting for every worker",
        flush=True,
    )
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    tf.distribute.experimental_set_strategy(strategy)
    _let_fit_train_on_several_workers()
    return rank, len(workers)


def replica_count() -> int:
    """How many devices the global strategy trains on, over all workers."""
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


@contextmanager
def without_strategy() -> Iterator[None]:
    """The default (one-device) strategy inside the block, the global one again after it."""
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    tf.distribute.experimental_set_strategy(None)
    try:
        yield
    finally:
        tf.distribute.experimental_set_strategy(strategy)


def _let_fit_train_on_several_workers() -> None:
    """Two fixes that let Keras 3's ``fit`` train under ``MultiWorkerMirroredStrategy``, which it fails
    on (keras-team/keras#20585): before the first step it averages the first batch over the workers
    only to learn its shapes (a local replica's batch has them), and it averages each step's scalar
    metrics along an axis they do not have (they are averaged over the replicas instead).
    ``tests/shared/test_train_cluster.py`` trains with them on two workers and checks the result."""
    from keras.src import tree
    from keras.src.backend.tensorflow import trainer

    keras_reduce = trainer.reduce_per_replica

    def first_local_batch(self, iterator=None, data_batch=None):
        strategy = self.distribute_strategy
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = tree.map_structure(
                    lambda value: strategy.experimental_local_results(value)[0], next(batches)
                )
                break
        with strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    def reduce_over_replicas(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            return tree.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)
        return keras_reduce(values, strategy, reduction)

    trainer.TensorFlowTrainer._maybe_symbolic_build = first_local_batch
    trainer.reduce_per_replica = reduce_over_replicas


def statistics_averaging(model) -> list:
    """A callback that, under a strategy of several replicas, averages the model's non-trainable float
    variables (BatchNormalization's moving statistics) over every replica at each epoch's end, before
    anything scores or saves the model, so every replica and every worker holds the same model (as
    timm's ``distribute_bn``). Each replica otherwise keeps the statistics of its own share of the
    batches, and workers could disagree about the best epoch. [] under one replica."""
    import keras
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    if strategy.num_replicas_in_sync == 1:
        return []
    variables = [v.value for v in model.non_trainable_variables if "float" in str(v.dtype)]

    def average() -> None:
        means = tf.distribute.get_replica_context().all_reduce("MEAN", [v.read_value() for v in variables])
        for variable, mean in zip(variables, means, strict=True):
            variable.assign(mean)

    step = tf.function(lambda: strategy.run(average))

    class AverageStatistics(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            step()

    return [AverageStatistics()] if variables else []
