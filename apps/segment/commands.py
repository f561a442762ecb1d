"""The segment app's verbs, in the shared CLI contract."""

from __future__ import annotations

import json

import click

from dldemo.apps.segment.evaluate import TTA_SCALES
from dldemo.shared.options import (
    eval_options,
    init_weights_option,
    record_options,
    run_options,
    train_options,
)

LIVE_MAX_SIDE = 384  # 12 FPS at 480x360 on a 2-core CPU, and the same CamVid val mIoU as full size


def max_side_option(default: int | None):
    return click.option(
        "--max-side",
        type=click.IntRange(min=64),
        default=default,
        show_default=default is not None,
        help="Segment a copy with this long side (faster), then upsample the scores"
        + ("." if default else " (default: the full frame)."),
    )


class_weight_option = click.option(
    "--class-weight-power",
    type=click.FloatRange(0.0, 2.0),
    default=None,
    help="Median frequency balancing exponent: 1 = SegNet's weights, 0 = none (preset default 0.5).",
)
learning_rate_option = click.option(
    "--learning-rate", type=click.FloatRange(min=0, min_open=True), default=None, help="Peak learning rate."
)
encoder_option = click.option(
    "--encoder",
    type=click.Choice(("squeezenet", "scratch")),
    default=None,
    help="SqueezeNet v1.1 with ImageNet weights, or a small encoder trained from scratch (preset default).",
)


@click.command("segment")
@run_options
@max_side_option(LIVE_MAX_SIDE)
def run(source, output, max_frames, weights, max_side):
    """Paint every pixel of street scenes, a webcam, a video, images or a folder by class (`o`: opacity)."""
    from dldemo.apps.segment.live import run_segment
    from dldemo.apps.segment.weights import load_segmenter

    run_segment(
        load_segmenter(weights), source=source, output=output, max_frames=max_frames, max_side=max_side
    )


@click.command("segment")
@train_options
@class_weight_option
@encoder_option
@learning_rate_option
@init_weights_option("ImageNet")
def train(**options):
    """Train a segmenter on CamVid (default), Pascal VOC, Oxford-IIIT Pet or an images/ + masks/ folder."""
    from dldemo.apps.segment import training

    session = training.prepare(**options)
    training.train(session)
    click.echo(
        f"run saved in {session.run_dir.path}: evaluate with "
        f"`dldemo eval segment --weights {session.run_dir.path}`"
    )


@click.command("segment")
@eval_options
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N images.")
@max_side_option(None)
@click.option(
    "--tta",
    is_flag=True,
    help=f"Test-time augmentation: average over scales {TTA_SCALES}, each also mirrored "
    "(chosen on CamVid val; about 6x slower).",
)
def evaluate(data, split, weights, as_json, limit, max_side, tta):
    """mIoU, pixel accuracy and per-class IoU on a split (void pixels ignored), over all its pixels.

    --split is train, val or test (default test) of CamVid under the data root, or of the dataset at
    --data DIR (CamVid, Pascal VOC, Oxford-IIIT Pet or an images/ + masks/ + classes.txt folder).
    """
    from dldemo.apps.segment.datasets import open_split
    from dldemo.apps.segment.evaluate import evaluate_split
    from dldemo.apps.segment.weights import load_segmenter

    segmenter = load_segmenter(weights)
    metrics = evaluate_split(
        segmenter,
        open_split(data, split or "test"),
        limit=limit,
        max_side=max_side,
        tta_scales=TTA_SCALES if tta else None,
    )
    for key, value in metrics.items():
        if key == "per_class_iou":
            for name, iou in value.items():
                click.echo(f"  {name:<20} {'-' if iou is None else f'{100 * iou:.1f}'}")
        else:
            click.echo(f"{key:<22} {value:.4f}" if isinstance(value, float) else f"{key:<22} {value}")
    if as_json:
        click.echo(json.dumps(metrics))


def spread(items: list, count: int) -> list:
    """`count` items evenly spaced through `items` (consecutive video frames look alike)."""
    return items[:: max(1, len(items) // count)][:count]


@click.command("segment")
@record_options
@class_weight_option
@encoder_option
@learning_rate_option
@init_weights_option("ImageNet")
@click.option(
    "--panel-images",
    type=click.IntRange(min=1, max=8),
    default=3,
    show_default=True,
    help="How many validation images the video shows.",
)
def record(output, panel_images, **options):
    """Train while recording [image | prediction | ground truth] of fixed validation images every epoch."""
    from dldemo.apps.segment import training
    from dldemo.shared.record import RecordCallback

    session = training.prepare(**options)
    history = session.run_dir.history()
    callback = RecordCallback(
        training.render_panel(
            spread(session.val_images, panel_images), spread(session.val_masks, panel_images), session.labels
        ),
        output or session.run_dir.media_dir / "train.mp4",
        caption=lambda epoch, logs: (
            f"epoch {epoch}" + (f" · val mIoU {100 * logs['val_miou']:.1f}" if "val_miou" in logs else "")
        ),
        initial_epoch=history[-1]["epoch"] if history else 0,
    )
    training.train(session, callbacks=[callback])


@click.command("segment")
@click.option("--weights", type=click.Path(), default=None, help="A .keras model or run (default: shipped).")
@click.option("--size", default="480x360", show_default=True, help="Frame WIDTHxHEIGHT.")
@max_side_option(None)
@click.option("--frames", type=click.IntRange(min=1), default=40, show_default=True)
@click.option(
    "--preset",
    type=click.Choice(("tiny", "cpu", "gpu")),
    default="cpu",
    show_default=True,
    help="Whose model, crops and batch the training throughput uses.",
)
@click.option("--steps", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the numbers as one JSON object on the last line."
)
def bench(weights, size, max_side, frames, preset, steps, as_json):
    """Live FPS at a frame size and training images/s, with the machine they ran on."""
    import keras

    from dldemo.apps.segment.bench import live_fps, training_throughput
    from dldemo.apps.segment.weights import load_segmenter
    from dldemo.shared.environment import describe_machine
    from dldemo.shared.errors import UserError

    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise UserError(f"--size takes WIDTHxHEIGHT such as 480x360, got {size!r}") from None
    numbers = {
        "machine": describe_machine(),
        "backend": keras.backend.backend(),
        "size": f"{width}x{height}",
        "max_side": max_side,
        **live_fps(load_segmenter(weights), width, height, frames, max_side),
        **training_throughput(preset, steps),
    }
    for key, value in numbers.items():
        click.echo(f"{key:<20} {value:.2f}" if isinstance(value, float) else f"{key:<20} {value}")
    if as_json:
        click.echo(json.dumps(numbers))
