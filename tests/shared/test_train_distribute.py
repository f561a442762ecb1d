"""Device setup: mixed precision policy and DataParallel over 2 fake CPU devices on JAX."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import keras
import pytest

from dldemo.shared.train import configure_distribution, enable_mixed_precision
from dldemo.shared.train.distribute import describe_distribution, mixed_policy


def test_mixed_precision_picks_bfloat16_off_gpu_and_can_be_undone():
    try:
        enable_mixed_precision(True)
        on_gpu = any(d.startswith("gpu") for d in keras.distribution.list_devices())
        assert keras.mixed_precision.global_policy().name == ("mixed_float16" if on_gpu else "mixed_bfloat16")
        enable_mixed_precision(False)
        assert keras.mixed_precision.global_policy().name == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_one_device_is_a_no_op():
    assert configure_distribution(["cpu:0"]) == 1
    assert keras.distribution.distribution() is None


def test_the_planned_distribution_and_precision_in_words():
    assert describe_distribution(["cpu:0"]) == "one device"
    engine = {"jax": "keras.distribution.DataParallel", "tensorflow": "tf.distribute.MirroredStrategy"}
    several = describe_distribution(["gpu:0", "gpu:1"])
    assert several == f"data-parallel over 2 devices ({engine[keras.backend.backend()]})"
    assert (mixed_policy(["gpu:0"]), mixed_policy(["cpu:0"])) == ("mixed_float16", "mixed_bfloat16")


_DATA_PARALLEL_RUN = textwrap.dedent(
    """
    import json, sys
    import keras, numpy as np
    from dldemo.shared.train import SeededBatches, configure_distribution, create_run_dir, fit
    from dldemo.shared.train import seed_everything

    class Lines(SeededBatches):
        def num_items(self):
            return 64

        def make_batch(self, indices, rng):
            x = (indices[:, None] / 64 + rng.normal(scale=0.01, size=(len(indices), 1))).astype("float32")
            return x, 3 * x - 1

    devices = configure_distribution()
    seed_everything(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    run = create_run_dir("demo", {}, root=sys.argv[1])
    history = fit(model, Lines(batch_size=8, seed=0, drop_last=True), epochs=3, run_dir=run, verbose=0)
    strategy = type(keras.distribution.distribution()).__name__
    from dldemo.shared.train.distribute import device_setup
    print(json.dumps({"devices": devices, "strategy": strategy, "losses": [row["loss"] for row in history],
                      "setup": device_setup()}))
    """
)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs jax")
def test_data_parallel_on_two_fake_jax_devices(tmp_path):
    env = dict(os.environ, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    done = subprocess.run(
        [sys.executable, "-c", _DATA_PARALLEL_RUN, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["devices"], result["strategy"]) == (2, "DataParallel")
    assert result["setup"] == {
        "devices": ["cpu:0", "cpu:1"],
        "precision": "float32",
        "distribution": "data-parallel over 2 devices (keras.distribution.DataParallel)",
    }
    assert result["losses"][-1] < 0.5 * result["losses"][0]
