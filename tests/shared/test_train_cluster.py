"""Scaling out, proven on this machine: two JAX processes on 127.0.0.1 (gloo over CPU devices), two
TensorFlow workers (MultiWorkerMirroredStrategy from a localhost TF_CONFIG) and TensorFlow's
MirroredStrategy over two logical CPUs train a tiny model exactly as one device does."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.train.cluster import join_cluster, process_share

ROOT = Path(__file__).resolve().parents[2]
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs jax (the 'jax' extra)")
needs_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TensorFlow's strategies (the TensorFlow half of the suite)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(run_dir: Path, epochs: int, *extra: str, backend: str = "jax") -> subprocess.Popen:
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=str(ROOT), XLA_FLAGS="")
    command = [sys.executable, "-m", "tests.shared.cluster_worker", str(run_dir), str(epochs), *extra]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def result(worker: subprocess.Popen) -> dict:
    stdout, stderr = worker.communicate(timeout=300)
    assert worker.returncode == 0, stderr[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])  # gloo prints its connections before


def train_in_cluster(run_dir: Path, epochs: int, *extra: str, backend: str = "jax") -> list[dict]:
    addresses = ",".join(f"127.0.0.1:{free_port()}" for _ in range(2))
    workers = [start_worker(run_dir, epochs, *extra, "--cluster", addresses, str(rank), backend=backend)
               for rank in range(2)]  # fmt: skip
    return [result(worker) for worker in workers]


def flat(weights: list) -> np.ndarray:
    return np.concatenate([np.ravel(w) for w in weights])


@needs_jax
def test_two_jax_processes_train_like_one_and_only_process_0_writes_the_run(tmp_path):
    alone = result(start_worker(tmp_path / "alone", 3))
    first = train_in_cluster(tmp_path / "cluster", 2)
    resumed = train_in_cluster(tmp_path / "cluster", 3, "--resume")  # one more epoch, from the checkpoint

    spread = "data-parallel over 2 devices in 2 processes (keras.distribution.DataParallel)"
    assert first[0]["setup"] == spread
    for run in (first, resumed):
        np.testing.assert_array_equal(flat(run[0]["weights"]), flat(run[1]["weights"]))
    np.testing.assert_allclose(flat(resumed[0]["weights"]), flat(alone["weights"]), rtol=0, atol=1e-5)
    # every epoch's validation score (each process scores its own copy) matches the single process's
    np.testing.assert_allclose([row["val_error"] for row in resumed[0]["history"]],
                               [row["val_error"] for row in alone["history"]], atol=1e-5)  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone", "cluster"]  # process 1 wrote elsewhere
    assert Path(resumed[0]["run"]) == tmp_path / "cluster"
    assert [row["epoch"] for row in map(json.loads, (tmp_path / "cluster/metrics.jsonl").open())] == [1, 2, 3]
    assert not any(Path(run["scratch"]).exists() for run in [*first, *resumed])  # deleted at exit


@needs_tensorflow
def test_mirrored_strategy_over_two_devices_trains_like_one(tmp_path):
    alone = result(start_worker(tmp_path / "alone", 2, backend="tensorflow"))
    mirrored = result(start_worker(tmp_path / "mirrored", 2, "--mirrored", backend="tensorflow"))
    assert (alone["devices"], mirrored["devices"]) == (1, 2)
    assert mirrored["setup"] == "data-parallel over 2 devices (tf.distribute.MirroredStrategy)"
    np.testing.assert_allclose(flat(mirrored["weights"]), flat(alone["weights"]), rtol=0, atol=1e-5)


@needs_tensorflow
def test_two_tensorflow_workers_train_like_one_and_only_worker_0_writes_the_run(tmp_path):
    alone = result(start_worker(tmp_path / "alone", 2, backend="tensorflow"))
    workers = train_in_cluster(tmp_path / "cluster", 2, backend="tensorflow")
    spread = "data-parallel over 2 devices in 2 processes (tf.distribute.MultiWorkerMirroredStrategy)"
    assert workers[0]["setup"] == spread
    np.testing.assert_array_equal(flat(workers[0]["weights"]), flat(workers[1]["weights"]))
    np.testing.assert_allclose(flat(workers[0]["weights"]), flat(alone["weights"]), rtol=0, atol=1e-5)
    np.testing.assert_allclose([row["val_error"] for row in workers[0]["history"]],
                               [row["val_error"] for row in alone["history"]], atol=1e-5)  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone", "cluster"]
    assert not any(Path(worker["scratch"]).exists() for worker in workers)


def test_a_cluster_needs_its_size_and_rank(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(UserError, match="with JAX, pass --coordinator"):
        join_cluster(None)
    with pytest.raises(UserError, match="also needs --num-processes and --process-id"):
        join_cluster("10.0.0.1:1234", None, 0)
    with pytest.raises(UserError, match="--process-id 2 is not in 0..1"):
        join_cluster("10.0.0.1:1234", 2, 2)


def test_each_process_keeps_its_own_rows_of_the_batch(monkeypatch):
    from dldemo.shared.train import cluster

    batch = (np.arange(8), {"tokens": np.arange(16).reshape(8, 2)})
    assert process_share(batch) is batch  # outside a cluster
    monkeypatch.setattr(cluster, "_cluster", ("jax", 1, 2))  # process 1 of 2
    rows, named = process_share(batch)
    np.testing.assert_array_equal(rows, [4, 5, 6, 7])
    np.testing.assert_array_equal(named["tokens"][:, 0], [8, 10, 12, 14])
    monkeypatch.setattr(cluster, "_cluster", ("tensorflow", 1, 2))  # its strategy splits the batches
    assert process_share(batch) is batch


@needs_tensorflow
def test_tensorflow_takes_its_cluster_from_tf_config_only(monkeypatch):
    with pytest.raises(UserError, match="with TensorFlow the cluster comes from TF_CONFIG"):
        join_cluster("10.0.0.1:1234", 2, 0)
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker"}}')
    with pytest.raises(UserError, match="TF_CONFIG is not a cluster of workers"):
        join_cluster(None)
