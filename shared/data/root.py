"""Where datasets live: the data root and the folder of each installed dataset."""

from __future__ import annotations

import os
from pathlib import Path

from dldemo.shared.data.registry import get_spec
from dldemo.shared.errors import UserError

ENV_VAR = "DLDEMO_DATA"


def data_root(override: str | os.PathLike[str] | None = None) -> Path:
    """The data root: ``override`` (--data), else $DLDEMO_DATA, else the per-user cache folder."""
    if override:
        return Path(override).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "dldemo" / "data"


def dataset_path(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of installed dataset ``name``; UserError if it is unknown, absent or incomplete."""
    spec = get_spec(name)
    folder = data_root(root) / spec.folder
    if not folder.is_dir():
        raise not_installed(name, f"not found at {folder}")
    for rel in spec.required:  # "a|b": either will do
        if not any(_present(folder / alternative) for alternative in rel.split("|")):
            raise not_installed(name, f"at {folder} is incomplete ({rel} is missing or empty)")
    return folder


def _present(path: Path) -> bool:
    return path.is_file() or (path.is_dir() and any(path.iterdir()))


def not_installed(name: str, problem: str) -> UserError:
    """The error for a dataset that is not usable where it was looked for, with the way to fix it."""
    return UserError(
        f"dataset '{name}' {problem}: run `dldemo data fetch {name}` "
        f"or point --data / {ENV_VAR} at a folder that has it"
    )
