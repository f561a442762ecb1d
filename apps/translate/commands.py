"""The translate app's verbs, in the shared CLI contract."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dldemo.apps.translate.recipes import PRESETS
from dldemo.shared.models.decoding import LENGTH_PENALTY
from dldemo.shared.options import (
    apply_options,
    beam_option,
    bench_options,
    epochs_option,
    init_weights_option,
    json_option,
    learning_rate_option,
    length_penalty_option,
    preset_option,
    run_start_options,
    weights_option,
)
from dldemo.shared.report import print_report, report_run_saved

PRESET_HELP = (
    "tiny: seconds (tests); cpu: 16 epochs of about 5 min on 2 cores (the shipped model took six such "
    "stages, 6.1 h); gpu: a larger model, 30 epochs."
)

pair_option = click.option(
    "--pair", default=None, help="Language pair SRC-TGT: en-de, de-en, en-fr, fr-en, ..."
)
BEAM = 5  # the beam width run, eval and bench use by default
data_option = click.option(
    "--data",
    type=click.Path(),
    default=None,
    help="Multi30k (default), 'tatoeba', or a folder of line-aligned <split>.<lang> files.",
)


@click.command("translate")
@click.argument("sentences", nargs=-1)
@weights_option
@pair_option
@beam_option(BEAM)
@length_penalty_option(LENGTH_PENALTY)
@click.option(
    "--attention",
    type=click.Path(dir_okay=False),
    default=None,
    help="Save the last sentence's attention as PNG.",
)
def run(sentences, weights, pair, beam, length_penalty, attention):
    """Translate SENTENCES, or every line read from stdin (interactive in a terminal, works when piped);
    with neither, the bundled sample sentences."""
    from dldemo.apps.translate.translator import Translator

    translator = Translator.from_preset(weights, pair)
    decoding = {"beam": beam, "length_penalty": length_penalty}
    last = None
    if sentences:
        for translation in translator.translate(list(sentences), **decoding):
            click.echo(translation.text)
            last = translation
    else:
        interactive = sys.stdin.isatty()
        if interactive:
            click.echo(
                f"translate {translator.pair} (beam {beam}): type a sentence, Ctrl-D to quit", err=True
            )
        seen_input = False
        for line in _lines(interactive):
            seen_input = True
            if line.strip():
                last = translator.translate([line.strip()], **decoding)[0]
                click.echo(last.text)
            elif not interactive:
                click.echo("")
        if not seen_input and not interactive:
            last = _translate_samples(translator, decoding)
    if attention and last is not None:
        from dldemo.apps.translate.attention import save_attention

        click.echo(f"wrote {save_attention(last, attention)}", err=True)


def _translate_samples(translator, decoding: dict):
    """Print the bundled sentences of the model's source language beside their translations."""
    from dldemo.apps.translate.samples import sample_sentences

    source_language, target_language = translator.pair.split("-")
    click.echo("no input: translating the bundled sample sentences (pass sentences or pipe lines)", err=True)
    translations = translator.translate(sample_sentences(source_language), **decoding)
    for translation in translations:
        click.echo(f"{source_language}: {translation.source}\n{target_language}: {translation.text}\n")
    return translations[-1]


def _lines(interactive: bool):
    while True:
        try:
            line = input("> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return
        if not interactive and not line:
            return
        yield line


training_options = apply_options(
    [
        click.option("--pair", default="en-de", show_default=True, help="Language pair SRC-TGT."),
        data_option,
        preset_option(PRESETS, PRESET_HELP),
        epochs_option,
        learning_rate_option,
        click.option(
            "--subword-model",
            type=click.Choice(["unigram", "bpe"]),
            default=None,
            help="Sentencepiece model type (default: the preset's, unigram).",
        ),
        click.option(
            "--vocabulary",
            type=click.Choice(["joint", "separate"]),
            default=None,
            help="One subword model and embedding for both languages, or one per language (default: joint).",
        ),
        click.option(
            "--average-last",
            type=click.IntRange(min=1),
            default=None,
            help="Also average the weights of the last N epochs; the average replaces best.keras if it "
            "scores higher on validation.",
        ),
        init_weights_option("random weights and new subwords"),
        run_start_options,
    ]
)


@click.command("translate")
@training_options
def train(**options):
    """Train a BiLSTM + attention translator; best.keras follows the validation BLEU."""
    from dldemo.apps.translate import training

    session = training.prepare(**options)
    training.train(session)
    report_run_saved("translate", session.run_dir.path)


@click.command("translate")
@weights_option
@pair_option
@data_option
@click.option("--split", default="test2016", show_default=True, help="train, val or test2016 (Multi30k).")
@click.option("--src", "source_file", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--ref", "reference_file", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N sentences.")
@beam_option(BEAM)
@length_penalty_option(LENGTH_PENALTY)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write the translations there, one a line (line-aligned with the sources).",
)
@json_option
def evaluate(weights, pair, data, split, source_file, reference_file, limit, beam, length_penalty, output,
             as_json):  # fmt: skip
    """sacreBLEU and chrF of the translations of a split, or of --src against --ref."""
    from dldemo.apps.translate.corpus import load_files, load_pairs
    from dldemo.apps.translate.scoring import score
    from dldemo.apps.translate.translator import Translator
    from dldemo.shared.errors import UserError

    translator = Translator.from_preset(weights, pair)
    if bool(source_file) != bool(reference_file):
        raise UserError("--src and --ref go together: pass both files (line-aligned)")
    pairs = (
        load_files(source_file, reference_file) if source_file else load_pairs(translator.pair, split, data)
    )
    sources, references = pairs.source[:limit], pairs.target[:limit]
    translations = translator.translate(
        sources, beam=beam, length_penalty=length_penalty, progress="translate: translating"
    )
    scores = score([t.text for t in translations], references)
    if output:
        Path(output).write_text("".join(f"{t.text}\n" for t in translations), encoding="utf-8")
        click.echo(f"wrote {len(translations)} translations to {output}", err=True)
    settings = {"pair": translator.pair, "beam": beam, "length_penalty": length_penalty}
    summary = [
        f"BLEU {scores.bleu:.2f}  ({scores.bleu_signature})",
        f"chrF {scores.chrf:.2f}  ({scores.chrf_signature})",
        f"{scores.sentences} sentences, {translator.pair}, beam {beam}, length penalty {length_penalty}",
    ]
    print_report({**scores.as_dict(), **settings}, as_json, summary=summary)


@click.command("translate")
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="The video (default: inside the run directory).",
)
@click.option(
    "--sentences", type=click.IntRange(1, 8), default=4, show_default=True, help="Validation sentences shown."
)
@training_options
def record(output, sentences, **options):
    """Train while recording fixed validation sentences translated after every epoch, BLEU in the caption."""
    from dldemo.apps.translate import training
    from dldemo.apps.translate.panel import render_translations
    from dldemo.shared.record import epoch_caption, record_training

    session = training.prepare(**options)
    pairs = session.val_pairs
    record_training(
        session.run_dir,
        render_translations(
            pairs.source[:sentences], pairs.target[:sentences], session.model.get_layer("vocabulary").pair
        ),
        caption=epoch_caption(lambda logs: f"val BLEU {logs['val_bleu']:.1f} (greedy)", "val_bleu"),
        output=output,
        train=lambda callbacks: training.train(session, callbacks),
    )


@click.command("translate")
@bench_options(PRESETS, steps=5)
@beam_option(BEAM)
@click.option("--sentences", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
def bench(weights, preset, steps, as_json, beam, sentences, batch_size):
    """Translation sentences/s at a beam width and training target-tokens/s, with the machine."""
    from dldemo.apps.translate.bench import training_rate, translation_rate
    from dldemo.apps.translate.translator import Translator
    from dldemo.shared.bench import bench_header

    translator = Translator.from_preset(weights)
    numbers = {
        **bench_header(),
        **translation_rate(translator, beam=beam, sentences=sentences, batch_size=batch_size),
        **training_rate(preset, steps),
    }
    print_report(numbers, as_json, digits=2)
