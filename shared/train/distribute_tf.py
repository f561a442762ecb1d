"""TensorFlow's data parallelism: ``tf.distribute.MirroredStrategy`` over this machine's devices.

Kept apart so that the rest of the training layer never imports TensorFlow (it also runs without it).
"""

from __future__ import annotations

from collections.abc import Sequence


def mirror_over(devices: Sequence[str]) -> None:
    """Make a ``MirroredStrategy`` over ``devices`` ("gpu:0", ...) the global strategy: every model built
    afterwards keeps a copy of its variables on each device, and ``fit`` splits each batch across them
    and sums the gradients (the loss is scaled by the replica count, so one step equals one device's
    step on the whole batch)."""
    import tensorflow as tf

    names = [f"/{kind}:{index}" for kind, index in (device.split(":") for device in devices)]
    tf.distribute.experimental_set_strategy(tf.distribute.MirroredStrategy(devices=names))
