"""Training on several machines: joining the cluster, who writes, and models local to one process.

Every process runs the same program on its own devices, and each training step averages the gradients
over the devices of all of them: with JAX through ``keras.distribution.DataParallel`` over the devices of
every process (``jax.distributed``), with TensorFlow through ``MultiWorkerMirroredStrategy`` (TF_CONFIG).
Each process builds every whole batch and trains on its own rows of it. Process 0 is the primary: it
alone writes the run folder (config, metrics, checkpoints, media); the others run every step the same
way (collectives need all of them) but write into a scratch folder of their own, deleted at exit.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dldemo.shared.errors import UserError

if TYPE_CHECKING:  # Keras loads only when a function needs it: the command line's --help stays fast
    import keras

_cluster: tuple[str, int, int] | None = None  # (backend, this process's rank, process count) once joined
_scratch: Path | None = None
_twins: dict[int, keras.Model] = {}  # id(model) -> its local copy


def join_cluster(
    coordinator: str | None, num_processes: int | None = None, process_id: int | None = None
) -> None:
    """Join a cluster of training processes; call it before any computation.

    JAX (``jax.distributed.initialize``): ``coordinator`` is process 0's ``HOST:PORT`` (every process
    passes the same one, with the process count and its own id), or ``auto``: JAX reads them from the
    scheduler's environment (SLURM, Open MPI, Kubernetes, Cloud TPU); on CPUs the collectives go over
    gloo. TensorFlow: the cluster is TF_CONFIG's (``coordinator`` must be None).
    """
    import keras

    global _cluster
    backend = keras.backend.backend()
    if backend == "tensorflow":
        if coordinator:
            raise UserError(
                "with TensorFlow the cluster comes from TF_CONFIG (every worker's HOST:PORT and this "
                "worker's index): --coordinator is for KERAS_BACKEND=jax"
            )
        from dldemo.shared.train.distribute_tf import join_worker_cluster

        _cluster = (backend, *join_worker_cluster())
    elif backend == "jax":
        _cluster = (backend, *_join_jax_cluster(coordinator, num_processes, process_id))
    else:
        raise UserError(f"training across processes needs KERAS_BACKEND=jax or tensorflow, not {backend}")


def _join_jax_cluster(coordinator: str | None, num_processes: int | None, process_id: int | None):
    if not coordinator:
        raise UserError("TF_CONFIG describes a TensorFlow cluster: with JAX, pass --coordinator")
    if coordinator != "auto" and (num_processes is None or process_id is None):
        raise UserError(f"--coordinator {coordinator} also needs --num-processes and --process-id")
    if process_id is not None and num_processes is not None and not 0 <= process_id < num_processes:
        raise UserError(f"--process-id {process_id} is not in 0..{num_processes - 1}")
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    who = "" if coordinator == "auto" else f" as process {process_id} of {num_processes}"
    print(f"joining the cluster at {coordinator}{who}: waiting for every process", flush=True)
    try:
        if coordinator == "auto":
            jax.distributed.initialize()
        else:
            jax.distributed.initialize(
                coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
            )
    except (RuntimeError, ValueError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise UserError(f"could not join the cluster at {coordinator}: {reason}") from None
    return jax.process_index(), jax.process_count()


def wants_cluster(coordinator: str | None) -> bool:
    """Whether this process is meant to join a cluster: ``--coordinator``, or a TF_CONFIG."""
    return bool(coordinator or os.environ.get("TF_CONFIG"))


def process_index() -> int:
    """This process's rank in the cluster (0 outside one)."""
    return _cluster[1] if _cluster else 0


def process_count() -> int:
    """How many processes train together (1 outside a cluster)."""
    return _cluster[2] if _cluster else 1


def is_primary() -> bool:
    """Whether this process writes the run (process 0, or the only one)."""
    return process_index() == 0


def scratch_folder() -> Path:
    """A folder of this process's own for what a non-primary process would write; deleted at exit."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix=f"dldemo-process{process_index()}-"))
        atexit.register(shutil.rmtree, _scratch, ignore_errors=True)
    return _scratch


def scratch_copy(run_folder: str | Path) -> Path:
    """A non-primary process's copy of ``run_folder`` to resume from (it must see the folder: a shared
    file system, or the folder copied to every machine)."""
    copy = scratch_folder() / Path(run_folder).name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(run_folder, copy, ignore=shutil.ignore_patterns(".lock", "*.tmp"))
    return copy


def process_share(batch):
    """This process's rows of a whole batch (arrays, or tuples and dicts of them) in a JAX cluster: the
    ``rank``-th of ``count`` equal slices. Elsewhere the batch itself (TensorFlow's strategy takes each
    worker's share of the batches itself)."""
    count = process_count()
    if count == 1 or _cluster[0] != "jax":
        return batch
    import keras

    rank = process_index()

    def share(array):
        rows = len(array)
        return array if array is None else array[rank * rows // count : (rank + 1) * rows // count]

    return keras.tree.map_structure(share, batch)


@contextmanager
def local_model(model: keras.Model) -> Iterator[keras.Model]:
    """``model`` itself outside a cluster. In one, a copy on this process's own devices holding the
    model's current weights, with the cluster's distribution lifted inside the block: a model spread over
    the cluster runs only when every process calls it, and the apps score and render their validation
    pictures on each process's own data."""
    import keras

    if process_count() == 1:
        yield model
        return
    with _outside_the_cluster():
        twin = _twins.get(id(model))
        if twin is None:
            twin = _twins[id(model)] = keras.models.clone_model(model)
        twin.set_weights(model.get_weights())
        yield twin


@contextmanager
def _outside_the_cluster() -> Iterator[None]:
    if _cluster[0] == "tensorflow":
        from dldemo.shared.train.distribute_tf import without_strategy

        with without_strategy():
            yield
        return
    import keras

    spread = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(spread)
