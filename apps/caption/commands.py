"""The caption app's verbs, in the shared CLI contract."""

from __future__ import annotations

import click

from dldemo.apps.caption.recipes import BEAM, ENCODERS, LENGTH_PENALTY, PRESETS
from dldemo.shared.options import (
    apply_options,
    beam_option,
    bench_options,
    eval_options,
    learning_rate_option,
    length_penalty_option,
    record_options,
    run_options,
    train_options,
)
from dldemo.shared.report import print_report, report_run_saved

PRESET_HELP = "tiny: seconds (tests); cpu: the shipped recipe (about 40 min on 2 cores); gpu: a larger one."
model_options = apply_options(
    [
        learning_rate_option,
        click.option(
            "--encoder",
            type=click.Choice(ENCODERS),
            default=None,
            help="The frozen ImageNet CNN (default: the preset's, efficientnet-lite0).",
        ),
        click.option(
            "--grid",
            type=click.Choice(["7", "14"]),
            default=None,
            help="Attention grid: 7 (stride 32) or 14 (stride 16; squeezenet has only 14).",
        ),
    ]
)


@click.command("caption")
@click.argument("image", required=False, type=click.Path())
@run_options
@beam_option(BEAM)
@click.option(
    "--attention",
    type=click.Path(dir_okay=False),
    default=None,
    help="With IMAGE: save the attention figure (one panel per word) as PNG instead of the live view.",
)
def run(image, source, output, max_frames, weights, beam, attention):
    """Caption the bundled photos, a webcam, a video, images or a folder (w steps through the words).

    With IMAGE and --attention FILE.png: print IMAGE's caption and save where each word looked."""
    from dldemo.apps.caption.captioner import Captioner
    from dldemo.shared.errors import UserError

    if attention and not image:
        raise UserError("--attention needs an IMAGE: dldemo run caption photo.jpg --attention figure.png")
    captioner = Captioner.from_preset(weights)
    if image and attention:
        from dldemo.apps.caption.figure import save_attention_figure
        from dldemo.shared.data import read_image

        photo = read_image(image)
        caption = captioner.caption([photo], beam=beam)[0]
        click.echo(caption.text)
        click.echo(f"wrote {save_attention_figure(photo, caption, attention)}", err=True)
        return
    from dldemo.apps.caption.live import run_caption

    run_caption(captioner, source=image or source, output=output, max_frames=max_frames, beam=beam)


@click.command("caption")
@train_options(PRESETS, PRESET_HELP)
@model_options
def train(**options):
    """Train the attention LSTM on Flickr8k's cached CNN grids; best.keras follows the dev CIDEr-D."""
    from dldemo.apps.caption import training

    session = training.prepare(**_grid(options))
    training.train(session)
    report_run_saved("caption", session.run_dir.path)


def _grid(options: dict) -> dict:
    return {**options, "grid": int(options["grid"]) if options.get("grid") else None}


@click.command("caption")
@eval_options
@beam_option(BEAM)
@length_penalty_option(LENGTH_PENALTY)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N photos.")
def evaluate(data, split, weights, as_json, beam, length_penalty, limit):
    """BLEU-1..4 and CIDEr-D (COCO caption toolkit definitions, in percent) on Flickr8k dev or test.

    --split dev (default) or test; the test photos are not in the reference data: put them (any folder of
    <id>.jpg, 224 px or full size) under the data root's flickr8k folder."""
    from dldemo.apps.caption.captioner import Captioner
    from dldemo.apps.caption.evaluate import evaluate_split

    captioner = Captioner.from_preset(weights)
    numbers, _ = evaluate_split(
        captioner, split or "dev", data=data, beam=beam, length_penalty=length_penalty, limit=limit
    )
    scores = "BLEU-1/2/3/4 {bleu1:.1f} / {bleu2:.1f} / {bleu3:.1f} / {bleu4:.1f}   CIDEr-D {cider:.1f}"
    summary = [
        scores.format(**numbers),
        f"{numbers['images']} photos of Flickr8k {numbers['split']}, beam {beam}, "
        f"length penalty {length_penalty}",
        f"distinct captions {100 * numbers['distinct']:.1f}%, with a repeated word or bigram "
        f"{100 * numbers['repeats']:.1f}%, {numbers['mean_words']:.1f} words on average",
    ]
    print_report(numbers, as_json, summary=summary, digits=2)


@click.command("caption")
@record_options(PRESETS, PRESET_HELP)
@model_options
@click.option(
    "--panel-images",
    type=click.IntRange(1, 8),
    default=4,
    show_default=True,
    help="Fixed dev photos captioned in the video.",
)
def record(output, panel_images, **options):
    """Train while recording fixed dev photos captioned after every epoch, BLEU-4 in the caption."""
    from dldemo.apps.caption import training
    from dldemo.apps.caption.panel import render_captions
    from dldemo.shared.record import epoch_caption, record_training

    session = training.prepare(**_grid(options))
    record_training(
        session.run_dir,
        render_captions(
            session.dev.images[:panel_images],
            session.dev_features[:panel_images],
            [captions[0] for captions in session.dev.captions[:panel_images]],
        ),
        caption=epoch_caption(
            lambda logs: f"dev BLEU-4 {logs['val_bleu4']:.1f}, CIDEr-D {logs['val_cider']:.1f} (greedy)",
            "val_bleu4",
        ),
        output=output,
        train=lambda callbacks: training.train(session, callbacks),
    )


@click.command("caption")
@bench_options(PRESETS, steps=5)
@beam_option(BEAM)
@click.option("--calls", type=click.IntRange(min=1), default=10, show_default=True, help="Timed captions.")
@click.option("--live-seconds", type=click.FloatRange(min=1), default=10, show_default=True)
def bench(weights, preset, steps, as_json, beam, calls, live_seconds):
    """Encoder and decoder ms per photo, live FPS and captions/s, training images/s, with the machine."""
    from dldemo.apps.caption.bench import caption_speed, live_speed, training_speed
    from dldemo.apps.caption.captioner import Captioner
    from dldemo.shared.bench import bench_header

    captioner = Captioner.from_preset(weights)
    numbers = {
        **bench_header(),
        **caption_speed(captioner, beam, calls),
        **live_speed(captioner, beam, live_seconds),
        **training_speed(preset, steps),
    }
    print_report(numbers, as_json, digits=2)
