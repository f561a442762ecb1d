"""Run folders ``runs/<app>/<YYYYmmdd-HHMMSS>/``: one run's config, metrics, checkpoints and media."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dldemo.shared.errors import UserError

STATE_FILE = "state.json"


@dataclass
class RunDir:
    """One training run's folder and the names of the files in it."""

    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def checkpoint_path(self) -> Path:
        """The latest checkpoint (written after every epoch and on Ctrl-C)."""
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
    def state_path(self) -> Path:
        """Where training stands for ``checkpoint_path`` (epoch, step, best metric, seed)."""
        return self.path / STATE_FILE

    @property
    def tensorboard_dir(self) -> Path:
        return self.path / "tb"

    @property
    def media_dir(self) -> Path:
        return self.path / "media"

    def config(self) -> dict:
        return json.loads(self.config_path.read_text())

    def state(self) -> dict | None:
        return json.loads(self.state_path.read_text()) if self.state_path.is_file() else None

    def append_metrics(self, row: Mapping) -> None:
        """Add one row (an epoch, or a logging interval) to metrics.jsonl."""
        with open(self.metrics_path, "a") as f:
            f.write(json.dumps(dict(row)) + "\n")

    def history(self) -> list[dict]:
        """The rows of metrics.jsonl, one per finished epoch ([] before the first one)."""
        if not self.metrics_path.is_file():
            return []
        return [json.loads(line) for line in self.metrics_path.read_text().splitlines() if line.strip()]


def create_run_dir(
    app: str, config: Mapping, *, run_dir: str | Path | None = None, root: str | Path = "runs"
) -> RunDir:
    """Make a new run folder and write ``config.json`` (the config plus ``"app"``) into it.

    Without ``run_dir`` the folder is ``root/app/<timestamp>``, with ``-2``, ``-3``... if that exists.
    """
    if run_dir is not None:
        path = Path(run_dir)
        if (path / "config.json").exists():
            raise UserError(f"{path} already holds a run: resume it with --resume or pick another folder")
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = _new_timestamped_dir(Path(root) / app)
    run = RunDir(path)
    run.media_dir.mkdir(exist_ok=True)
    run.config_path.write_text(json.dumps({**config, "app": app}, indent=2, default=str) + "\n")
    return run


def open_run_dir(path: str | Path, *, app: str) -> RunDir:
    """Open an existing run of ``app`` to resume it; anything that cannot be resumed is a UserError."""
    run = RunDir(Path(path))
    if not run.config_path.is_file():
        raise UserError(f"{run.path} is not a run folder (no config.json): pass a folder under runs/{app}/")
    try:
        run_app = run.config().get("app")
    except (ValueError, AttributeError) as err:
        raise UserError(
            f"{run.config_path} is unreadable ({err}): pick another run or start a new one"
        ) from err
    if run_app != app:
        raise UserError(f"{run.path} is a run of {run_app!r}, not {app!r}: pass a run folder of {app}")
    if not run.checkpoint_path.is_file() or not run.state_path.is_file():
        raise UserError(
            f"{run.path} has no checkpoint (stopped before its first epoch ended?): start a new run"
        )
    return run


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
