"""Command-line options shared by every app, so that all apps speak the same CLI."""

from __future__ import annotations

from collections.abc import Callable

import click

PRESETS = ("tiny", "cpu", "gpu")


def apply_options(options: list[Callable]) -> Callable:
    """One decorator that applies ``options`` in order (the first is the first in --help)."""

    def decorate(function: Callable) -> Callable:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


weights_option = click.option(
    "--weights",
    type=click.Path(dir_okay=True),
    default=None,
    help="A .keras model or a run directory (default: the shipped weights).",
)

run_options = apply_options(
    [
        click.option(
            "--source",
            default=None,
            help="Webcam index (0), video, image, folder, glob or 'samples' (default: webcam, else samples)",
        ),
        click.option(
            "--output",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write an H.264 mp4 here instead of opening a window.",
        ),
        click.option(
            "--max-frames", type=click.IntRange(min=1), default=None, help="Stop after this many frames."
        ),
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


seed_option = click.option("--seed", type=int, default=0, show_default=True)

data_option = click.option(
    "--data", type=click.Path(), default=None, help="Data folder (default: DLDEMO_DATA or the cache)."
)

train_options = apply_options(
    [
        data_option,
        click.option(
            "--preset",
            type=click.Choice(PRESETS),
            default="cpu",
            show_default=True,
            help="tiny: seconds (tests); cpu: minutes on a laptop; gpu: the full recipe.",
        ),
        click.option(
            "--epochs", type=click.IntRange(min=1), default=None, help="Override the preset's epochs."
        ),
        run_dir_option,
        resume_option,
        seed_option,
        click.option(
            "--mixed-precision",
            is_flag=True,
            help="float16 compute on GPU (bfloat16 on CPU); weights stay float32.",
        ),
    ]
)

eval_options = apply_options(
    [
        data_option,
        click.option("--split", default=None, help="Which split to evaluate (the app lists its own)."),
        weights_option,
        click.option(
            "--json", "as_json", is_flag=True, help="Print the metrics as one JSON object on the last line."
        ),
    ]
)

record_options = apply_options(
    [
        click.option(
            "--output",
            type=click.Path(dir_okay=False),
            default=None,
            help="The video to write (default: inside the run directory).",
        ),
        train_options,
    ]
)
