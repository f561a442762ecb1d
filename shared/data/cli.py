"""``dldemo data``: list, fetch and verify the datasets."""

from __future__ import annotations

from pathlib import Path

import click

from dldemo.shared.data.fetch import fetch_dataset, verify_dataset
from dldemo.shared.data.registry import DATASETS
from dldemo.shared.data.root import data_root, dataset_path
from dldemo.shared.errors import UserError

_DATA_OPTION = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False),
    default=None,
    help="Data root (default: $DLDEMO_DATA, else the per-user cache folder).",
)


@click.group("data")
def data_group() -> None:
    """List, download and check the datasets the demos use."""


@data_group.command("list")
@_DATA_OPTION
def list_command(data: str | None) -> None:
    """Show every dataset, whether it is present at the data root, and its licence."""
    from rich.console import Console
    from rich.table import Table

    root = data_root(data)
    table = Table(title=f"datasets at {root}")
    for column in ("name", "present", "files", "licence", "description"):
        table.add_column(column, overflow="fold")
    for name, spec in DATASETS.items():
        try:
            size = _size(dataset_path(name, root))
        except UserError:
            size = ""
        table.add_row(name, "yes" if size else "no", size or "-", spec.licence, spec.description)
    Console().print(table)


@data_group.command("fetch")
@click.argument("name", type=click.Choice(list(DATASETS)))
@_DATA_OPTION
@click.option("--force", is_flag=True, help="Download again even the files already present.")
def fetch_command(name: str, data: str | None, force: bool) -> None:
    """Download dataset NAME from its pinned sources and check every file's SHA-256."""
    click.echo(f"{name}: ready at {fetch_dataset(name, data, force=force)}")


@data_group.command("verify")
@click.argument("name", type=click.Choice(list(DATASETS)), required=False)
@_DATA_OPTION
def verify_command(name: str | None, data: str | None) -> None:
    """Recompute the hashes of dataset NAME (all present datasets if no NAME); exit 1 on any problem."""
    root = data_root(data)
    names = [name] if name else [n for n, spec in DATASETS.items() if (root / spec.folder).is_dir()]
    if not names:
        click.echo(f"no dataset found at {root}")
    failed = False
    for each in names:
        report = verify_dataset(each, root)
        click.echo(report.summary())
        failed |= not report.passed
    if failed:
        raise SystemExit(1)


def _size(folder: Path) -> str:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return f"{len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB"
