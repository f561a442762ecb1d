"""The CLI entry point: errors a user can fix are one line (exit 2); an interrupt exits 128 + signal."""

import errno
import signal
import subprocess
import sys

import click
import pytest

from dldemo.shared import cli
from dldemo.shared.train.interrupts import Interrupted
from tests.cli import dldemo


def _failing_with(monkeypatch, error: BaseException) -> None:
    def run(*args, **kwargs):
        if isinstance(error, KeyboardInterrupt):  # click turns an interrupt into Abort
            raise click.exceptions.Abort() from error
        raise error

    monkeypatch.setattr(cli.cli, "main", run)


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "runs/x"),
         "dldemo: error: Permission denied: runs/x: pick a folder you can write to, or fix its permissions"),
        (OSError(errno.ENOSPC, "No space left on device", "runs/x/a.keras"),
         "dldemo: error: No space left on device: runs/x/a.keras: the disk is full: free some space and try "
         "again (a run resumes with --resume)"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "photos/cat.jpg"),
         "dldemo: error: No such file or directory: photos/cat.jpg: check the path"),
    ],
)  # fmt: skip
def test_system_errors_a_user_can_fix_are_one_line(monkeypatch, capsys, error, line):
    _failing_with(monkeypatch, error)
    assert dldemo("train", "demo") == 2
    assert capsys.readouterr().err.splitlines() == [line]


def test_other_system_errors_are_not_hidden(monkeypatch):
    _failing_with(monkeypatch, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(OSError, match="Input/output error"):
        dldemo("train", "demo")


@pytest.mark.parametrize(("error", "code"), [(KeyboardInterrupt(), 130), (Interrupted(signal.SIGTERM), 143)])
def test_an_interrupt_exits_128_plus_the_signal(monkeypatch, capsys, error, code):
    _failing_with(monkeypatch, error)
    assert dldemo("train", "demo") == code
    assert capsys.readouterr().err.strip() == "dldemo: interrupted"


def test_a_command_prints_no_backend_start_up_noise():
    """TensorFlow prints its oneDNN and absl lines twice at import, before its log level applies."""
    done = subprocess.run(
        [sys.executable, "-c", "from dldemo.shared.cli import main; main()", "info"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "backend" in done.stdout
    assert "precision    float32" in done.stdout and "distribution one device" in done.stdout
    assert done.stderr.strip() == ""
