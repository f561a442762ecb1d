"""Run folders ``runs/<app>/<YYYYmmdd-HHMMSS>/``: one run's config, metrics, checkpoints and media.

A run folder is crash-consistent: the checkpoint carries its own training state (one file, replaced
atomically), metrics rows after it are dropped on resume, a torn last metrics line (a kill mid-append)
is skipped, temporary files of a killed save are removed, and one process at a time may train in it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dldemo.shared.errors import UserError

STATE_ENTRY = "dldemo-state.json"  # the training state, stored inside the checkpoint's .keras zip
PARTIAL = ".partial"  # marks the temporary files of an atomic write (see checkpoint.atomic_path)
LOCK_FILE = "run.lock"


@dataclass
class RunDir:
    """One training run's folder and the names of the files in it."""

    path: Path
    _lock: int | None = field(default=None, repr=False, compare=False)  # the open lock file, while held

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def checkpoint_path(self) -> Path:
        """The latest checkpoint (after every epoch, on a time interval and on an interrupt), with the
        training state it was taken at inside it (:meth:`state`)."""
        return self.path / "checkpoint.keras"

    @property
    def best_path(self) -> Path:
        return self.path / "best.keras"

    @property
    def average_path(self) -> Path:
        """The running mean of the weights over the last epochs (with ``--average-last``)."""
        return self.path / "average.npz"

    @property
    def averaged_path(self) -> Path:
        """The model with those averaged weights, written when training ends."""
        return self.path / "averaged.keras"

    @property
    def tensorboard_dir(self) -> Path:
        return self.path / "tb"

    @property
    def media_dir(self) -> Path:
        return self.path / "media"

    def config(self) -> dict:
        """config.json; a missing, unreadable or non-object file is a UserError."""
        return _json_object(self.config_path, lambda: self.config_path.read_text())

    def state(self) -> dict | None:
        """Where training stood at the latest checkpoint (epoch, step, best metric...); None without one."""
        if not self.checkpoint_path.is_file():
            return None

        def read() -> str:
            with zipfile.ZipFile(self.checkpoint_path) as archive:
                return archive.read(STATE_ENTRY).decode()

        return _json_object(self.checkpoint_path, read, what=f"the training state in {self.checkpoint_path}")

    def append_metrics(self, row: Mapping) -> None:
        """Add one row (an epoch, or a logging interval) to metrics.jsonl in a single write."""
        with open(self.metrics_path, "a") as f:
            f.write(json.dumps(dict(row)) + "\n")

    def history(self) -> list[dict]:
        """The rows of metrics.jsonl ([] before the first one). A line a kill cut short is skipped, with a
        note on stderr."""
        if not self.metrics_path.is_file():
            return []
        rows, torn = [], 0
        for line in self.metrics_path.read_text().splitlines():
            try:
                row = json.loads(line) if line.strip() else None
            except ValueError:
                row = None
                torn += 1
            if isinstance(row, dict):
                rows.append(row)
        if torn:
            print(f"{self.metrics_path}: skipped {torn} torn line(s) (written as the run was killed)",
                  file=sys.stderr)  # fmt: skip
        return rows

    def keep_history(self, keep: Callable[[dict], bool]) -> list[dict]:
        """Rewrite metrics.jsonl (atomically) with only the rows ``keep`` accepts; returns them."""
        from dldemo.shared.train.checkpoint import atomic_path

        rows = [row for row in self.history() if keep(row)]
        with atomic_path(self.metrics_path) as tmp:
            tmp.write_text("".join(json.dumps(row) + "\n" for row in rows))
        return rows

    def lock(self) -> None:
        """Hold the folder for this process until :meth:`unlock` or exit; UserError if another holds it.

        Temporary files that a killed save left are removed once the lock is held."""
        if self._lock is not None:
            return
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise UserError(
                f"{self.path} is in use by process {holder}: wait for it to finish (or stop it), then resume"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock = fd
        for leftover in self.path.glob(f".*{PARTIAL}*"):
            leftover.unlink(missing_ok=True)

    def unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def create_run_dir(
    app: str, config: Mapping, *, run_dir: str | Path | None = None, root: str | Path = "runs"
) -> RunDir:
    """Make a new run folder, lock it and write ``config.json`` (the config plus ``"app"``) into it.

    Without ``run_dir`` the folder is ``root/app/<timestamp>``, with ``-2``, ``-3``... if that exists.
    A ``run_dir`` whose run never saved a checkpoint (it stopped before its first step) is reused.
    """
    if run_dir is not None:
        path = Path(run_dir)
        if (path / "config.json").exists() and (path / "checkpoint.keras").exists():
            raise UserError(f"{path} already holds a run: resume it with --resume or pick another folder")
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = _new_timestamped_dir(Path(root) / app)
    run = RunDir(path)
    run.lock()
    run.media_dir.mkdir(exist_ok=True)
    run.config_path.write_text(json.dumps({**config, "app": app}, indent=2, default=str) + "\n")
    return run


def open_run_dir(path: str | Path, *, app: str) -> RunDir:
    """Open and lock an existing run of ``app`` to resume it; anything that cannot be resumed is a
    UserError."""
    run = RunDir(Path(path))
    if not run.config_path.is_file():
        raise UserError(f"{run.path} is not a run folder (no config.json): pass a folder under runs/{app}/")
    run_app = run.config().get("app")
    if run_app != app:
        raise UserError(f"{run.path} is a run of {run_app!r}, not {app!r}: pass a run folder of {app}")
    if not run.checkpoint_path.is_file():
        raise UserError(
            f"{run.path} has no checkpoint (stopped before its first step?): start it again with "
            f"--run-dir {run.path}"
        )
    run.lock()
    try:
        run.state()  # readable, or a UserError
    except UserError:
        run.unlock()
        raise
    return run


def _json_object(path: Path, read: Callable[[], str], *, what: str | None = None) -> dict:
    """``read()`` parsed as a JSON object; anything else is a one-line UserError about ``what``."""
    what = what or str(path)
    try:
        value = json.loads(read())
    except (OSError, KeyError, UnicodeDecodeError, ValueError, zipfile.BadZipFile) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:120]
        message = f"{what} is unreadable or corrupt ({reason}): restore it or start a new run"
        raise UserError(message) from error
    if not isinstance(value, dict):
        raise UserError(f"{what} is not a JSON object: restore it or start a new run")
    return value


def _new_timestamped_dir(parent: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        path = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise UserError(f"too many runs named {stamp} in {parent}: wait a second and try again")
