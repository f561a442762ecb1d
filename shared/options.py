"""Command-line options shared by every app, so that all apps speak the same CLI."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import click


def apply_options(options: list[Callable]) -> Callable:
    """One decorator that applies ``options`` in order (the first is the first in --help)."""

    def decorate(function: Callable) -> Callable:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def preset_option(presets: Mapping[str, object], help: str, default: str = "cpu") -> Callable:
    """``--preset``, choosing among the app's own presets."""
    return click.option(
        "--preset", type=click.Choice(tuple(presets)), default=default, show_default=True, help=help
    )


weights_option = click.option(
    "--weights",
    type=click.Path(dir_okay=True),
    default=None,
    help="A .keras model or a run directory (default: the shipped weights).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the numbers as one JSON object on the last line."
)
output_option = click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write an H.264 mp4 here instead of opening a window.",
)
max_frames_option = click.option(
    "--max-frames", type=click.IntRange(min=1), default=None, help="Stop after this many frames."
)

run_options = apply_options(
    [
        click.option(
            "--source",
            default=None,
            help="Webcam index (0), video, image, folder, glob or 'samples' (default: webcam, else samples)",
        ),
        output_option,
        max_frames_option,
        weights_option,
    ]
)

run_dir_option = click.option(
    "--run-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to write the run (default: runs/APP/<timestamp>).",
)
resume_option = click.option(
    "--resume",
    type=click.Path(file_okay=False),
    default=None,
    help="Continue an interrupted run from its directory.",
)


def init_weights_option(what: str) -> Callable:
    """``--init-weights``: go on training a trained model (fresh optimizer and schedule); ``what`` says
    what it starts from otherwise."""
    return click.option(
        "--init-weights",
        type=click.Path(exists=True),
        default=None,
        help=f"Fine-tune these weights (.keras or run) instead of starting from {what}.",
    )


seed_option = click.option(
    "--seed", type=int, default=0, show_default=True, help="Seeds weights, data order and augmentation."
)
learning_rate_option = click.option(
    "--learning-rate", type=click.FloatRange(min=0, min_open=True), default=None, help="Peak learning rate."
)
data_option = click.option(
    "--data", type=click.Path(), default=None, help="Data folder (default: DLDEMO_DATA or the cache)."
)
epochs_option = click.option(
    "--epochs", type=click.IntRange(min=1), default=None, help="Override the preset's epochs."
)


# The variables Keras' own `keras.distribution.initialize` reads: cluster launch scripts set them once.
COORDINATOR_VARIABLE = "KERAS_DISTRIBUTION_JOB_ADDRESSES"
PROCESS_COUNT_VARIABLE = "KERAS_DISTRIBUTION_NUM_PROCESSES"
PROCESS_ID_VARIABLE = "KERAS_DISTRIBUTION_PROCESS_ID"


def cluster_options(function: Callable) -> Callable:
    """``--coordinator``, ``--num-processes``, ``--process-id`` (or Keras' ``KERAS_DISTRIBUTION_*``
    variables; with TensorFlow, TF_CONFIG): the process joins the cluster before the command runs, and the
    command never sees them."""

    @functools.wraps(function)
    def joined(*args, coordinator: str | None, num_processes: int | None, process_id: int | None, **kwargs):
        from dldemo.shared.train.cluster import join_cluster, wants_cluster

        if wants_cluster(coordinator):
            join_cluster(coordinator and coordinator.split(",")[0], num_processes, process_id)
        return function(*args, **kwargs)

    return apply_options(
        [
            click.option(
                "--coordinator",
                envvar=COORDINATOR_VARIABLE,
                default=None,
                help="Train on several machines (JAX): process 0's HOST:PORT, or 'auto' under SLURM, "
                "Open MPI or Kubernetes.",
            ),
            click.option(
                "--num-processes",
                envvar=PROCESS_COUNT_VARIABLE,
                type=click.IntRange(min=1),
                default=None,
                help="How many processes train together (with --coordinator HOST:PORT).",
            ),
            click.option(
                "--process-id",
                envvar=PROCESS_ID_VARIABLE,
                type=click.IntRange(min=0),
                default=None,
                help="This process's rank, 0 to N-1; process 0 writes the run.",
            ),
        ]
    )(joined)


# Where a run lives and how it starts: every app's train and record take these.
run_start_options = apply_options(
    [
        run_dir_option,
        resume_option,
        seed_option,
        click.option(
            "--mixed-precision",
            is_flag=True,
            help="float16 compute on GPU (bfloat16 on CPU); weights stay float32.",
        ),
        cluster_options,
    ]
)

PRESET_HELP = "tiny: seconds (tests); cpu: the shipped recipe on a CPU; gpu: the full recipe on a GPU."


def train_options(presets: Mapping[str, object], help: str = PRESET_HELP) -> Callable:
    """The options of an app that trains with ``fit`` by epochs: data, preset, epochs and the run start."""
    return apply_options([data_option, preset_option(presets, help), epochs_option, run_start_options])


def record_options(presets: Mapping[str, object], help: str = PRESET_HELP) -> Callable:
    """``train_options`` plus the video to write."""
    return apply_options(
        [
            click.option(
                "--output",
                type=click.Path(dir_okay=False),
                default=None,
                help="The video to write (default: inside the run directory).",
            ),
            train_options(presets, help),
        ]
    )


def beam_option(default: int) -> Callable:
    """``--beam``: the beam width of the app's beam search (1 = greedy)."""
    return click.option(
        "--beam",
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help="Beam width (1 = greedy).",
    )


def length_penalty_option(default: float) -> Callable:
    """``--length-penalty``: the GNMT alpha of the shared beam search."""
    return click.option(
        "--length-penalty",
        type=click.FloatRange(min=0.0),
        default=default,
        show_default=True,
        help="Beam search ranks by log-prob / ((5 + length) / 6) ** this (GNMT); 0 = raw log-prob.",
    )


panel_images_option = click.option(
    "--panel-images",
    type=click.IntRange(min=1, max=8),
    default=3,
    show_default=True,
    help="How many fixed validation images the video shows.",
)

eval_options = apply_options(
    [
        data_option,
        click.option("--split", default=None, help="Which split to evaluate (the app lists its own)."),
        weights_option,
        json_option,
    ]
)


def bench_options(presets: Mapping[str, object], steps: int) -> Callable:
    """``--weights`` (the model timed live), ``--preset`` and ``--steps`` (training timed) and ``--json``."""
    return apply_options(
        [
            weights_option,
            preset_option(presets, "Whose model and batch the training throughput uses."),
            click.option(
                "--steps",
                type=click.IntRange(min=1),
                default=steps,
                show_default=True,
                help="Training steps timed.",
            ),
            json_option,
        ]
    )
