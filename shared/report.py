"""How every verb prints its numbers: one aligned row per number, then (with --json) one JSON line last."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import click


def format_value(value: object, digits: int = 4) -> str:
    """Floats with ``digits`` decimals, None as '-', anything else as str."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def print_report(
    numbers: Mapping[str, object], as_json: bool, *, summary: Sequence[str] = (), digits: int = 4
) -> None:
    """Print ``summary`` lines if given, else one ``key value`` row per number (a nested mapping as
    indented rows under its key); with ``as_json`` the numbers follow as one JSON object on the last line.
    """
    if summary:
        for line in summary:
            click.echo(line)
    else:
        width = max((len(key) for key in numbers), default=0) + 1
        for key, value in numbers.items():
            if isinstance(value, Mapping):
                click.echo(key)
                for name, inner in value.items():
                    click.echo(f"  {name:<{width - 2}} {format_value(inner, digits)}")
            else:
                click.echo(f"{key:<{width}} {format_value(value, digits)}")
    if as_json:
        click.echo(json.dumps(dict(numbers)))


def report_run_saved(app: str, path: object) -> None:
    """The last line of `dldemo train`: where the run is and how to evaluate it (in a cluster, only
    process 0 has it)."""
    from dldemo.shared.train.cluster import is_primary, process_count, process_index

    if not is_primary():
        click.echo(f"process {process_index()} of {process_count()} done: process 0 saved the run")
        return
    click.echo(f"run saved in {path}: evaluate with `dldemo eval {app} --weights {path}`")
