"""Run folders: creation, naming, reopening for --resume."""

import json
import subprocess
import sys
import zipfile

import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.train import RunDir, create_run_dir, open_run_dir
from dldemo.shared.train.rundir import STATE_ENTRY


def test_create_writes_config_and_suffixes_clashing_names(tmp_path):
    first = create_run_dir("demo", {"lr": 0.1, "data": tmp_path}, root=tmp_path)
    second = create_run_dir("demo", {"lr": 0.2}, root=tmp_path)

    assert first.path.parent == tmp_path / "demo"
    assert first.config() == {"lr": 0.1, "data": str(tmp_path), "app": "demo"}
    assert first.media_dir.is_dir()
    # Same second -> "-2"; a later second -> a new stamp: either way a fresh folder.
    assert second.path != first.path
    assert second.config()["lr"] == 0.2


def test_create_refuses_a_folder_holding_a_run_and_reuses_one_that_never_saved(tmp_path):
    unsaved = create_run_dir("demo", {"lr": 1}, run_dir=tmp_path / "unsaved")
    unsaved.unlock()  # its process was killed before the first checkpoint
    assert create_run_dir("demo", {"lr": 2}, run_dir=tmp_path / "unsaved").config()["lr"] == 2

    _with_checkpoint(create_run_dir("demo", {}, run_dir=tmp_path / "mine"))
    with pytest.raises(UserError, match="already holds a run"):
        create_run_dir("demo", {}, run_dir=tmp_path / "mine")


def test_a_run_folder_is_locked_while_a_process_trains_in_it(tmp_path):
    run = _with_checkpoint(create_run_dir("demo", {}, root=tmp_path))
    holder = subprocess.Popen(  # another process holding the run's lock, as a training would
        [sys.executable, "-c", HOLD_LOCK, str(run.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match=f"in use by process {holder.pid}: wait for it to finish"):
            open_run_dir(run.path, app="demo")
    finally:
        holder.kill()
        holder.wait()
    assert open_run_dir(run.path, app="demo").state() == {"epoch": 1}  # a killed holder frees it


HOLD_LOCK = """
import sys, time
from dldemo.shared.train.rundir import RunDir
RunDir(__import__("pathlib").Path(sys.argv[1])).lock()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_torn_last_metrics_line_is_skipped_and_a_corrupt_state_is_one_line(tmp_path, capsys):
    run = create_run_dir("demo", {}, root=tmp_path)
    run.append_metrics({"epoch": 1, "loss": 0.5})
    with open(run.metrics_path, "a") as f:
        f.write('{"epoch": 2, "lo')  # killed mid-append
    assert run.history() == [{"epoch": 1, "loss": 0.5}]
    assert "skipped 1 torn line" in capsys.readouterr().err
    run.checkpoint_path.write_bytes(b"garbage")
    with pytest.raises(UserError, match="training state in .* is unreadable or corrupt"):
        run.state()
    run.config_path.write_text("{not json")
    with pytest.raises(UserError, match="config.json is unreadable or corrupt"):
        run.config()


def _with_checkpoint(run: RunDir) -> RunDir:
    """A stub checkpoint: a zip holding only the training state."""
    with zipfile.ZipFile(run.checkpoint_path, "w") as archive:
        archive.writestr(STATE_ENTRY, json.dumps({"epoch": 1}))
    run.unlock()
    return run


def test_open_returns_the_run_of_the_right_app(tmp_path):
    run = _with_checkpoint(create_run_dir("demo", {}, root=tmp_path))
    opened = open_run_dir(str(run.path), app="demo")
    assert opened.path == run.path
    assert opened.state() == {"epoch": 1}
    assert opened.history() == []


def test_open_rejects_another_apps_run(tmp_path):
    run = _with_checkpoint(create_run_dir("colorize", {}, root=tmp_path))
    with pytest.raises(UserError, match="run of 'colorize', not 'demo'"):
        open_run_dir(run.path, app="demo")


def test_open_rejects_missing_folder_and_missing_checkpoint(tmp_path):
    with pytest.raises(UserError, match="not a run folder"):
        open_run_dir(tmp_path / "nope", app="demo")
    run = create_run_dir("demo", {}, root=tmp_path)
    with pytest.raises(UserError, match="no checkpoint"):
        open_run_dir(run.path, app="demo")


def test_locking_removes_what_a_killed_save_left(tmp_path):
    run = create_run_dir("demo", {}, root=tmp_path)
    run.unlock()
    leftovers = [run.path / ".checkpoint.x1.partial.keras", run.path / ".metrics.x2.partial.jsonl"]
    for path in leftovers:
        path.write_bytes(b"half")
    (run.path / ".keep").write_bytes(b"the user's")
    run.lock()
    assert not any(path.exists() for path in leftovers) and (run.path / ".keep").exists()
