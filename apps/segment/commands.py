"""The segment app's verbs, in the shared CLI contract."""

from __future__ import annotations

import click

from dldemo.apps.segment.recipes import ENCODERS, PRESETS, TTA_SCALES
from dldemo.shared.options import (
    apply_options,
    bench_options,
    eval_options,
    init_weights_option,
    learning_rate_option,
    panel_images_option,
    record_options,
    run_options,
    train_options,
)

PRESET_HELP = (
    "tiny: seconds (tests); cpu: about 95 min on 2 cores (the shipped model adds a 27-min restart); "
    "gpu: a longer one."
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


# What a new run may change in its preset's recipe, and where it starts from.
recipe_options = apply_options(
    [
        click.option(
            "--class-weight-power",
            type=click.FloatRange(0.0, 2.0),
            default=None,
            help="Median frequency balancing exponent: 1 = SegNet's weights, 0 = none (preset default 0.5).",
        ),
        click.option(
            "--encoder",
            type=click.Choice(ENCODERS),
            default=None,
            help="SqueezeNet v1.1 or EfficientNet-Lite0 with ImageNet weights, or a small encoder trained "
            "from scratch (preset default).",
        ),
        learning_rate_option,
        init_weights_option("ImageNet"),
    ]
)


@click.command("segment")
@run_options
@max_side_option(LIVE_MAX_SIDE)
def run(source, output, max_frames, weights, max_side):
    """Paint every pixel of street scenes, a webcam, a video, images or a folder by class (`o`: opacity)."""
    from dldemo.apps.segment.live import run_segment
    from dldemo.apps.segment.predict import Segmenter

    segmenter = Segmenter.from_preset(weights)
    run_segment(segmenter, source=source, output=output, max_frames=max_frames, max_side=max_side)


@click.command("segment")
@train_options(PRESETS, PRESET_HELP)
@recipe_options
def train(**options):
    """Train a segmenter on CamVid (default), Pascal VOC, Oxford-IIIT Pet or an images/ + masks/ folder."""
    from dldemo.apps.segment import training
    from dldemo.shared.report import report_run_saved

    session = training.prepare(**options)
    training.train(session)
    report_run_saved("segment", session.run_dir.path)


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
    from dldemo.apps.segment.predict import Segmenter
    from dldemo.shared.report import print_report

    segmenter = Segmenter.from_preset(weights)
    tta_scales = TTA_SCALES if tta else None
    metrics = evaluate_split(
        segmenter, open_split(data, split or "test"), limit=limit, max_side=max_side, tta_scales=tta_scales
    )
    print_report(metrics, as_json)


@click.command("segment")
@record_options(PRESETS, PRESET_HELP)
@recipe_options
@panel_images_option
def record(output, panel_images, **options):
    """Train while recording [image | prediction | ground truth] of fixed validation images every epoch."""
    from dldemo.apps.segment import training
    from dldemo.shared.record import epoch_caption, record_training

    session = training.prepare(**options)
    record_training(
        session.run_dir,
        training.render_panel(session.val_images, session.val_masks, session.labels, count=panel_images),
        caption=epoch_caption(lambda logs: f"val mIoU {logs['val_miou']:.1f}", "val_miou"),
        output=output,
        train=lambda callbacks: training.train(session, callbacks),
    )


@click.command("segment")
@bench_options(PRESETS, steps=5)
@click.option("--size", default="480x360", show_default=True, help="Frame WIDTHxHEIGHT.")
@max_side_option(None)
@click.option("--frames", type=click.IntRange(min=1), default=40, show_default=True)
def bench(weights, preset, steps, as_json, size, max_side, frames):
    """Live FPS at a frame size and training images/s, with the machine they ran on."""
    from dldemo.apps.segment.bench import benchmark
    from dldemo.shared.report import print_report

    print_report(benchmark(weights, size, max_side, frames, preset, steps), as_json, digits=2)
