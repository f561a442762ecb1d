"""The colorize app's verbs, in the shared CLI contract."""

from __future__ import annotations

import click

from dldemo.apps.colorize.recipes import ENCODERS, PRESETS
from dldemo.shared.errors import UserError
from dldemo.shared.options import (
    bench_options,
    eval_options,
    init_weights_option,
    learning_rate_option,
    panel_images_option,
    record_options,
    run_options,
    train_options,
)

PRESET_HELP = "tiny: seconds (tests); cpu: the shipped recipe (about 30 min on 2 cores); gpu: a longer one."
loss_option = click.option(
    "--loss",
    type=click.Choice(("classification", "regression")),
    default="classification",
    show_default=True,
    help="Zhang et al. classification over ab bins, or the L2 regression baseline.",
)
rebalance_option = click.option(
    "--rebalance",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Class rebalancing lambda (Zhang et al. eq. 4): 0.5 as in the paper, 1.0 = none (preset default).",
)
encoder_option = click.option(
    "--encoder",
    type=click.Choice(ENCODERS),
    default=None,
    help="SqueezeNet v1.1 or EfficientNet-Lite0 with ImageNet weights, or a small encoder trained from "
    "scratch (preset default).",
)
frozen_encoder_option = click.option(
    "--frozen-encoder/--fine-tuned-encoder",
    default=None,
    help="Keep EfficientNet-Lite0's ImageNet weights and statistics and train only the decoder, or train "
    "the encoder too (preset default).",
)
temperature_option = click.option(
    "--temperature",
    type=click.FloatRange(min=0.01, max=10),
    default=None,
    help="Annealed-mean temperature (default: the value saved with the weights).",
)
chroma_gain_option = click.option(
    "--chroma-gain",
    type=click.FloatRange(min=0.1, max=4),
    default=None,
    help="Multiply the predicted colour (ab) by this (default: the value saved with the weights).",
)


@click.command("colorize")
@run_options
@temperature_option
@chroma_gain_option
def run(source, output, max_frames, weights, temperature, chroma_gain):
    """Colorize the bundled photos, a webcam, a video, images or a folder."""
    from dldemo.apps.colorize.live import run_colorize
    from dldemo.apps.colorize.predict import Colorizer

    colorizer = Colorizer.from_preset(weights, temperature, chroma_gain)
    run_colorize(colorizer, source=source, output=output, max_frames=max_frames)


@click.command("colorize")
@train_options(PRESETS, PRESET_HELP)
@loss_option
@rebalance_option
@encoder_option
@frozen_encoder_option
@learning_rate_option
@init_weights_option("ImageNet")
def train(**options):
    """Train a colorizer on any folder of colour photos (default: the shipped recipe's datasets)."""
    from dldemo.apps.colorize import training
    from dldemo.shared.report import report_run_saved

    session = training.prepare(**options)
    training.train(session)
    report_run_saved("colorize", session.run_dir.path)


@click.command("colorize")
@eval_options
@temperature_option
@chroma_gain_option
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N images.")
@click.option(
    "--sweep",
    default=None,
    metavar="T1,T2,...",
    help="Score several annealed-mean temperatures (one forward pass per photo) and name the best by the "
    "shipped rule (highest PSNR gain at a colourfulness ratio of at least 0.7), to choose T.",
)
@click.option(
    "--sweep-gains",
    default=None,
    metavar="G1,G2,...",
    help="With --sweep: also sweep chroma gains (every T with every gain).",
)
def evaluate(data, split, weights, as_json, temperature, chroma_gain, limit, sweep, sweep_gains):
    """PSNR, grey-baseline PSNR, SSIM and colourfulness ratio on a folder of colour photos.

    --data DIR scores every image in DIR; otherwise --split picks a dataset split under the data root
    (bsds500-val by default; also bsds500-train, camvid-val, camvid-test, flickr8k-dev, flickr8k-test and
    flickr8k-dev224, the dev photos that flickr8k-dev does not hold, at 224 px), or several,
    comma-separated (the shipped decoding was chosen on bsds500-val,flickr8k-dev).
    """
    from dldemo.apps.colorize.evaluate import (
        choose_decoding,
        evaluate,
        evaluation_photos,
        parse_numbers,
        sweep_decodings,
        sweep_line,
    )
    from dldemo.apps.colorize.predict import Colorizer
    from dldemo.shared.data import load_images
    from dldemo.shared.report import print_report

    if sweep_gains and not sweep:
        raise UserError("--sweep-gains needs --sweep T1,T2,... (the temperatures to pair them with)")
    colorizer = Colorizer.from_preset(weights, temperature, chroma_gain)
    label, paths = evaluation_photos(data, split)
    photos = load_images(paths[:limit])
    if sweep:
        gains = parse_numbers(sweep_gains, "--sweep-gains") if sweep_gains else None
        rows = sweep_decodings(colorizer, photos, parse_numbers(sweep, "--sweep"), gains)
        chosen = choose_decoding(rows)
        summary = [sweep_line(row) for row in rows] + [f"chosen: {sweep_line(chosen)}"]
        print_report({"split": label, "sweep": rows, "chosen": chosen}, as_json, summary=summary)
        return
    temperature = colorizer.temperature if colorizer.mode == "classification" else None
    settings = {
        "split": label,
        "mode": colorizer.mode,
        "temperature": temperature,
        "chroma_gain": colorizer.chroma_gain,
    }
    print_report({**settings, **evaluate(colorizer, photos)}, as_json)


@click.command("colorize")
@record_options(PRESETS, PRESET_HELP)
@loss_option
@rebalance_option
@encoder_option
@frozen_encoder_option
@panel_images_option
def record(output, panel_images, **options):
    """Train while recording [grey | colorized | original] of fixed validation photos after every epoch."""
    from dldemo.apps.colorize import training
    from dldemo.shared.record import epoch_caption, record_training

    session = training.prepare(**options)
    record_training(
        session.run_dir,
        training.render_panel(session.val_images[:panel_images]),
        caption=epoch_caption(
            lambda logs: f"PSNR {logs['val_psnr']:.1f} dB (grey {logs['val_psnr_gray']:.1f})", "val_psnr"
        ),
        output=output,
        train=lambda callbacks: training.train(session, callbacks=callbacks),
    )


@click.command("colorize")
@bench_options(PRESETS, steps=10)
@click.option(
    "--side", type=click.IntRange(min=32), default=256, show_default=True, help="Frame side in pixels."
)
@click.option("--frames", type=click.IntRange(min=1), default=60, show_default=True)
def bench(weights, preset, steps, as_json, side, frames):
    """Live FPS on side x side frames and training images/s, with the machine they ran on."""
    from dldemo.apps.colorize.bench import live_fps, training_rate
    from dldemo.apps.colorize.predict import Colorizer
    from dldemo.shared.bench import bench_header
    from dldemo.shared.report import print_report

    numbers = {
        **bench_header(),
        "side": side,
        **live_fps(Colorizer.from_preset(weights), side, frames),
        **training_rate(preset, steps),
    }
    print_report(numbers, as_json, digits=2)
