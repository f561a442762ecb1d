"""Atomic checkpoints: one ``.keras`` file holding the weights, the optimizer state and the training state.

The training state (epoch, step, best metric, random states) is an entry of the checkpoint's zip, so
model and state are committed together by one rename: a kill at any instant leaves either the previous
checkpoint or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import keras

from dldemo.shared.errors import UserError
from dldemo.shared.files import new_file_mode
from dldemo.shared.train.rundir import PARTIAL, STATE_ENTRY

# What keras.saving.load_model raises for a truncated, garbled, foreign or non-Keras file.
_CORRUPT_ERRORS = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it replaces ``path`` in one step, with
    the permissions a plain new file gets.

    A crash mid-write leaves the old ``path`` untouched; the temporary file is removed (or, after a
    kill, by the next ``RunDir.lock``: its name is ``.<stem>.<random>.partial<suffix>``).
    """
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f"{PARTIAL}{path.suffix}"
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_model(model: keras.Model, path: Path) -> None:
    """Save ``model`` (with its optimizer state) to the ``.keras`` file ``path`` atomically."""
    with atomic_path(Path(path)) as tmp:
        model.save(tmp)


def save_checkpoint(model: keras.Model, path: Path, state: Mapping) -> None:
    """Save ``model`` with ``state`` inside it (see ``RunDir.state``) to ``path`` in one atomic step."""
    with atomic_path(Path(path)) as tmp:
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(STATE_ENTRY, json.dumps(dict(state), indent=2) + "\n")


def load_checkpoint(path: str | Path, *, custom_objects: Mapping | None = None) -> keras.Model:
    """Load a compiled model with its optimizer state (``safe_mode=True``: no code is unpickled)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"checkpoint {path} is missing or corrupt (no such file): pick another run or start a new one"
        )
    try:
        return keras.saving.load_model(path, custom_objects=custom_objects, safe_mode=True)
    except _CORRUPT_ERRORS as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0][:160]
        raise UserError(
            f"checkpoint {path} is missing, corrupt or another app's ({reason}): pick another run or start "
            "a new one"
        ) from err
