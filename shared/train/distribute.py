"""Device setup: mixed precision and data-parallel training over several devices."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import keras

from dldemo.shared.train.cluster import process_count


def list_devices() -> list[str]:
    """The accelerators Keras sees ("gpu:0", ...), else the CPU; ["cpu:0"] on backends without a list."""
    try:
        return list(keras.distribution.list_devices())
    except (AttributeError, NotImplementedError):  # backends without keras.distribution (torch)
        return ["cpu:0"]


def mixed_policy(devices: Sequence[str]) -> str:
    """The half-precision policy for ``devices``: float16 compute on a GPU, bfloat16 elsewhere."""
    return "mixed_float16" if any(device.startswith("gpu") for device in devices) else "mixed_bfloat16"


def enable_mixed_precision(enabled: bool) -> None:
    """Set the global dtype policy; call it before building the model.

    On a GPU, ``mixed_float16`` (``compile`` then wraps the optimizer in a LossScaleOptimizer).
    Elsewhere (CPU, TPU), ``mixed_bfloat16``: the only half precision those support natively, and
    it needs no loss scaling; it saves memory but on an older CPU it may be slower than float32.
    ``enabled=False`` restores ``float32``.
    """
    keras.mixed_precision.set_global_policy(mixed_policy(list_devices()) if enabled else "float32")


def usable_device_count(devices: Sequence[str]) -> int:
    """How many of ``devices`` training uses: all of them with JAX or TensorFlow, one with other backends."""
    return len(devices) if keras.backend.backend() in ("jax", "tensorflow") else 1


def configure_distribution(devices: Sequence[str] | None = None) -> int:
    """Train data-parallel over ``devices`` (default: all Keras sees); returns how many are used.

    JAX: ``keras.distribution.DataParallel`` (over the devices of every process in a cluster, each
    process feeding its share of every batch, see ``cluster``). TensorFlow: ``MirroredStrategy`` over
    this machine's devices. Each batch is split across the devices, so the batch size must be a multiple
    of the count (use ``drop_last=True`` for the training data). With one device this does nothing.
    Call it before building the model.
    """
    if process_count() > 1 and keras.backend.backend() == "tensorflow":  # the strategy is set at joining
        from dldemo.shared.train.distribute_tf import replica_count

        return replica_count()
    devices = list(devices) if devices is not None else list_devices()
    count = usable_device_count(devices)
    if count < len(devices):
        print(f"{len(devices)} devices found but {keras.backend.backend()} trains on one", file=sys.stderr)
    elif count > 1 and keras.backend.backend() == "jax":
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices, auto_shard_dataset=process_count() == 1)
        )
    elif count > 1:
        from dldemo.shared.train.distribute_tf import mirror_over

        mirror_over(devices)
    return count


def describe_distribution(devices: Sequence[str] | None = None) -> str:
    """How training spreads over ``devices`` (default: all Keras sees), in words: what `dldemo info` shows
    and a run's config records."""
    devices = list(devices) if devices is not None else list_devices()
    backend = keras.backend.backend()
    count = usable_device_count(devices)
    engine = {"jax": "keras.distribution.DataParallel", "tensorflow": "tf.distribute.MirroredStrategy"}
    if process_count() > 1:
        if backend == "tensorflow":
            from dldemo.shared.train.distribute_tf import replica_count

            count, engine[backend] = replica_count(), "tf.distribute.MultiWorkerMirroredStrategy"
        return f"data-parallel over {count} devices in {process_count()} processes ({engine[backend]})"
    if count > 1:
        return f"data-parallel over {count} devices ({engine[backend]})"
    if len(devices) > 1:
        return f"one device ({len(devices)} found; {backend} trains on one)"
    return "one device"


def replica_statistics(model: keras.Model) -> list[keras.callbacks.Callback]:
    """The callbacks that keep a model's non-trainable statistics equal on every device at epoch ends:
    TensorFlow strategies keep one set per replica (see ``distribute_tf.statistics_averaging``); JAX's
    DataParallel computes them over the whole batch, so there is nothing to do."""
    if keras.backend.backend() != "tensorflow":
        return []
    from dldemo.shared.train.distribute_tf import statistics_averaging

    return statistics_averaging(model)


def device_setup(devices: Sequence[str] | None = None) -> dict[str, object]:
    """The devices, compute precision and distribution a run trains with (call after ``prepare_devices``
    with the devices it used; default: all)."""
    devices = list(devices) if devices is not None else list_devices()
    return {
        "devices": devices,
        "precision": keras.config.dtype_policy().name,
        "distribution": describe_distribution(devices),
    }


def prepare_devices(batch_size: int, mixed_precision: bool, *, spread: bool = True) -> int:
    """Set the compute precision and data parallelism of a run (``spread=False``: one device, for apps
    whose training is not data-parallel); UserError if the batch does not split."""
    from dldemo.shared.errors import UserError

    enable_mixed_precision(mixed_precision)
    devices = configure_distribution(None if spread else list_devices()[:1])
    if batch_size % devices:
        raise UserError(
            f"batch size {batch_size} does not split over {devices} devices: "
            "pick a preset whose batch size is a multiple of the device count"
        )
    return devices
