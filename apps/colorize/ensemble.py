"""Join colorize runs trained on one frozen encoder into one model that runs the encoder once.

    python -m dldemo.apps.colorize.ensemble --output colorizer.keras RUN1 RUN2 RUN3

Each run must come from `dldemo train colorize --frozen-encoder` (any seed or length): their EfficientNet-
Lite0 encoders are then ImageNet's, bit for bit, and one pass of it feeds every decoder. A model joined
before (the shipped one, say) joins as its decoders, so a new run can be added to it. The decoders'
logits are averaged, then decoded as one model's (annealed mean at T, chroma gain g). The output is a plain
colorize ``.keras`` file (``--weights`` of every verb takes it) with its settings in ``<output>.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dldemo.shared.errors import UserError

if TYPE_CHECKING:
    import keras

DECODER_TAPS = ("stride4", "stride8", "stride16")  # the encoder features model.py's decoder reads


def join_colorizers(weights: Sequence[str | Path], keep: Sequence[int] | None = None) -> keras.Model:
    """One classification colorizer from several runs or .keras files with the same frozen encoder; with
    ``keep``, only those of their decoders (numbered from 1 in order).

    UserError if they hold fewer than two decoders, one is a regression model or has no Lite0 encoder, an
    encoder differs from the first one's, or ``keep`` names fewer than two or missing decoders. One joined
    model alone is enough with ``keep`` (to drop some of its decoders).
    """
    from dldemo.apps.colorize.predict import Colorizer
    from dldemo.shared.models.ensemble import EncoderMismatch, shared_encoder_ensemble

    models = [Colorizer.from_preset(path).model for path in weights]
    for path, model in zip(weights, models, strict=True):
        if model.output_shape[-1] == 2:
            raise UserError(f"{path} is a regression colorizer: an ensemble averages classification logits")
        if not set(DECODER_TAPS) <= {layer.name for layer in model.layers}:
            raise UserError(
                f"{path} has no EfficientNet-Lite0 encoder to share: "
                "train each run with `dldemo train colorize --frozen-encoder`"
            )
    try:
        return shared_encoder_ensemble(models, DECODER_TAPS, keep=keep)
    except EncoderMismatch as mismatch:
        raise UserError(
            f"{weights[mismatch.index - 1]} has another encoder than {weights[0]}: only runs trained with "
            "--frozen-encoder share ImageNet's encoder (a fine-tuned run changed its own)"
        ) from None
    except ValueError as too_few:  # the other checks ran above
        message = f"--keep: {too_few}" if keep else f"{too_few}: join at least two colorize runs"
        raise UserError(message) from None


@click.command()
@click.argument("weights", nargs=-1, required=True)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .keras file to write (its settings go to the .json beside it).",
)
@click.option(
    "--temperature",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Annealed-mean temperature saved with the model (default: the app's).",
)
@click.option(
    "--chroma-gain",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Chroma gain saved with the model (default: the app's).",
)
@click.option(
    "--keep",
    default=None,
    metavar="N1,N2,...",
    help="Keep only these decoders, numbered from 1 in order (a joined model counts each of its own).",
)
def join(
    weights: tuple[str, ...],
    output: Path,
    temperature: float | None,
    chroma_gain: float | None,
    keep: str | None,
) -> None:
    """Join colorize runs (WEIGHTS: run folders or .keras files) trained with --frozen-encoder."""
    from dldemo.shared.models.export import export_compact
    from dldemo.shared.train.checkpoint import atomic_path

    if output.suffix != ".keras":
        raise UserError(f"--output {output} must end in .keras")
    kept = parse_keep(keep) if keep else None
    model = join_colorizers(weights, kept)
    export_compact(model, output)
    decoding = {"temperature": temperature, "chroma_gain": chroma_gain}
    settings = {key: value for key, value in decoding.items() if value is not None}
    settings["ensemble_of"] = [str(path) for path in weights]
    if kept:
        settings["kept_decoders"] = kept
    with atomic_path(output.with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps(settings, indent=1) + "\n")
    size = f"{decoder_count(model)} decoders on one encoder ({model.count_params():,} parameters)"
    click.echo(f"colorize: {size}: {output}")


def parse_keep(text: str) -> list[int]:
    """--keep's comma-separated decoder numbers."""
    try:
        return [int(number) for number in text.split(",")]
    except ValueError:
        raise UserError(f"--keep takes comma-separated decoder numbers, got {text!r}") from None


def decoder_count(model: keras.Model) -> int:
    """How many decoders a joined model averages."""
    from dldemo.shared.models.ensemble import member_decoders

    return len(member_decoders(model, DECODER_TAPS))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: a user error is one line on stderr and exit status 2."""
    from dldemo.shared.cli import run_command
    from dldemo.shared.quiet import import_keras_quietly

    import_keras_quietly()
    run_command(join, argv, prog_name="python -m dldemo.apps.colorize.ensemble")


if __name__ == "__main__":
    main()
