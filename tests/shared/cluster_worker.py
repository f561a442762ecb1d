"""One training process for the scaling-out tests: a tiny regression trained with the shared run start
and ``fit``, alone or as one process of a cluster; prints its final weights and scratch folder as JSON.

    python -m tests.shared.cluster_worker RUN_DIR EPOCHS [--resume] [--cluster HOST:PORT,HOST:PORT RANK]
    python -m tests.shared.cluster_worker RUN_DIR EPOCHS --mirrored     # TensorFlow, 2 logical CPUs

In a cluster, JAX takes the first address as the coordinator's; TensorFlow gets them all in TF_CONFIG.
"""

import json
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    batch_size: int = 8
    epochs: int = 2


def main(argv: list[str]) -> None:
    run_dir, epochs = argv[0], int(argv[1])
    if "--mirrored" in argv:  # before TensorFlow starts: its one CPU becomes two devices
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    if "--cluster" in argv:
        import keras

        from dldemo.shared.train.cluster import join_cluster

        at = argv.index("--cluster")
        addresses, rank = argv[at + 1].split(","), int(argv[at + 2])
        if keras.backend.backend() == "tensorflow":
            task = {"type": "worker", "index": rank}
            os.environ["TF_CONFIG"] = json.dumps({"cluster": {"worker": addresses}, "task": task})
            join_cluster(None)
        else:
            join_cluster(addresses[0], len(addresses), rank)

    import keras
    import numpy as np

    from dldemo.shared.train import SeededBatches, ValidationScores, fit, start_run
    from dldemo.shared.train.cluster import local_model, scratch_folder

    class Lines(SeededBatches):
        """y = 3x - 1 + noise: 48 items, 6 batches of 8 per epoch."""

        def num_items(self) -> int:
            return 48

        def make_batch(self, indices, rng):
            x = (indices[:, None] / 48 + rng.normal(scale=0.05, size=(len(indices), 1))).astype("float32")
            return x, 3 * x - 1

    val_x = np.linspace(0, 1, 5, dtype="float32")[:, None]

    def val_error(model) -> dict:
        predicted = model.predict(val_x, verbose=0)  # on this process's own copy in a cluster
        return {"error": float(np.abs(predicted - (3 * val_x - 1)).mean())}

    resume = run_dir if "--resume" in argv else None
    start = start_run("demo", presets={"tiny": Recipe()}, preset="tiny", overrides={"epochs": epochs},
                      seed=0, run_dir=run_dir, resume=resume, extend={"epochs": epochs})  # fmt: skip
    recipe = start.recipe(Recipe)
    devices = start.prepare_devices(recipe.batch_size)
    if start.resumed:
        model = start.load_checkpoint()
    else:
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(4, activation="tanh"),
                                  keras.layers.Dense(1)])  # fmt: skip
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    run = start.create()
    batches = Lines(batch_size=recipe.batch_size, seed=start.seed, drop_last=True)
    history = fit(model, batches, epochs=recipe.epochs, run_dir=run, callbacks=[ValidationScores(val_error)],
                  monitor="val_error", resume=start.resumed, verbose=0)  # fmt: skip
    with local_model(model) as copy:
        weights = [w.tolist() for w in copy.get_weights()]
    result = {"weights": weights, "devices": devices, "run": str(run.path), "history": history,
              "scratch": str(scratch_folder()), "setup": start.config.get("distribution")}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
