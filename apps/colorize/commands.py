"""The colorize app's four verbs, in the shared CLI contract."""

from __future__ import annotations

import json

import click

from dldemo.shared.options import eval_options, record_options, run_options, train_options

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
temperature_option = click.option(
    "--temperature",
    type=click.FloatRange(min=0.01, max=10),
    default=None,
    help="Annealed-mean temperature (default: the value saved with the weights).",
)


@click.command("colorize")
@run_options
@temperature_option
def run(source, output, max_frames, weights, temperature):
    """Colorize the bundled photos, a webcam, a video, images or a folder."""
    from dldemo.apps.colorize.live import run_colorize
    from dldemo.apps.colorize.weights import load_colorizer

    run_colorize(load_colorizer(weights, temperature), source=source, output=output, max_frames=max_frames)


@click.command("colorize")
@train_options
@loss_option
@rebalance_option
def train(**options):
    """Train a colorizer on any folder of colour photos (default: the shipped recipe's datasets)."""
    from dldemo.apps.colorize import training

    session = training.prepare(**options)
    training.train(session)
    click.echo(
        f"run saved in {session.run_dir.path}: evaluate with "
        f"`dldemo eval colorize --weights {session.run_dir.path}`"
    )


@click.command("colorize")
@eval_options
@temperature_option
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N images.")
@click.option(
    "--sweep",
    default=None,
    metavar="T1,T2,...",
    help="Score several annealed-mean temperatures (one forward pass per photo), to choose T.",
)
def evaluate(data, split, weights, as_json, temperature, limit, sweep):
    """PSNR, grey-baseline PSNR, SSIM and colourfulness ratio on a folder of colour photos.

    --data DIR scores every image in DIR; otherwise --split picks a dataset split under the data root
    (bsds500-val by default; also bsds500-train, camvid-val, camvid-test, flickr8k-dev, flickr8k-test).
    """
    from dldemo.apps.colorize.evaluate import DEFAULT_SPLIT, evaluate, split_photos, sweep_temperatures
    from dldemo.apps.colorize.weights import load_colorizer
    from dldemo.shared.data import list_images, load_images
    from dldemo.shared.errors import UserError

    colorizer = load_colorizer(weights, temperature)
    if data and not split:
        label, paths = data, list_images(data)
    else:
        label = split or DEFAULT_SPLIT
        paths = split_photos(label, data)
    paths = paths[:limit]
    if sweep:
        try:
            temperatures = [float(t) for t in sweep.split(",")]
        except ValueError:
            raise UserError(f"--sweep takes comma-separated numbers, got {sweep!r}") from None
        rows = sweep_temperatures(colorizer, load_images(paths), temperatures)
        for row in rows:
            click.echo(
                f"T={row['temperature']:<5g} psnr {row['psnr']:.2f} (grey {row['psnr_gray']:.2f})  "
                f"ssim {row['ssim']:.4f}  colourfulness ratio {row['colorfulness_ratio']:.3f}"
            )
        if as_json:
            click.echo(json.dumps({"split": label, "sweep": rows}))
        return
    metrics = {
        "split": label,
        "mode": colorizer.mode,
        "temperature": colorizer.temperature if colorizer.mode == "classification" else None,
        **evaluate(colorizer, load_images(paths)),
    }
    for key, value in metrics.items():
        click.echo(f"{key:<22} {value:.4f}" if isinstance(value, float) else f"{key:<22} {value}")
    if as_json:
        click.echo(json.dumps(metrics))


@click.command("colorize")
@record_options
@loss_option
@rebalance_option
@click.option(
    "--panel-images",
    type=click.IntRange(min=1, max=8),
    default=3,
    show_default=True,
    help="How many validation photos the video shows.",
)
def record(output, panel_images, **options):
    """Train while recording [grey | colorized | original] of fixed validation photos after every epoch."""
    from dldemo.apps.colorize import training
    from dldemo.shared.record import RecordCallback

    session = training.prepare(**options)
    history = session.run_dir.history()
    callback = RecordCallback(
        training.render_panel(session.val_images[:panel_images]),
        output or session.run_dir.media_dir / "train.mp4",
        caption=lambda epoch, logs: (
            f"epoch {epoch}"
            + (
                f" · PSNR {logs['val_psnr']:.1f} dB (grey {logs['val_psnr_gray']:.1f})"
                if "val_psnr" in logs
                else ""
            )
        ),
        initial_epoch=history[-1]["epoch"] if history else 0,
    )
    training.train(session, callbacks=[callback])


@click.command("colorize")
@click.option("--weights", type=click.Path(), default=None, help="A .keras model or run (default: shipped).")
@click.option(
    "--side", type=click.IntRange(min=32), default=256, show_default=True, help="Frame side in pixels."
)
@click.option("--frames", type=click.IntRange(min=1), default=60, show_default=True)
@click.option(
    "--preset",
    type=click.Choice(("tiny", "cpu", "gpu")),
    default="cpu",
    show_default=True,
    help="Whose model and batch the training throughput uses.",
)
@click.option("--steps", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the numbers as one JSON object on the last line."
)
def bench(weights, side, frames, preset, steps, as_json):
    """Live FPS on side x side frames and training images/s, with the machine they ran on."""
    import keras

    from dldemo.apps.colorize.bench import live_fps, training_throughput
    from dldemo.apps.colorize.weights import load_colorizer
    from dldemo.shared.environment import describe_machine

    numbers = {
        "machine": describe_machine(),
        "backend": keras.backend.backend(),
        "side": side,
        **live_fps(load_colorizer(weights), side, frames),
        **training_throughput(preset, steps),
    }
    for key, value in numbers.items():
        click.echo(f"{key:<20} {value:.2f}" if isinstance(value, float) else f"{key:<20} {value}")
    if as_json:
        click.echo(json.dumps(numbers))
