"""Run folders: creation, naming, reopening for --resume."""

import json

import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.train import RunDir, create_run_dir, open_run_dir


def test_create_writes_config_and_suffixes_clashing_names(tmp_path):
    first = create_run_dir("demo", {"lr": 0.1, "data": tmp_path}, root=tmp_path)
    second = create_run_dir("demo", {"lr": 0.2}, root=tmp_path)

    assert first.path.parent == tmp_path / "demo"
    assert first.config() == {"lr": 0.1, "data": str(tmp_path), "app": "demo"}
    assert first.media_dir.is_dir()
    # Same second -> "-2"; a later second -> a new stamp: either way a fresh folder.
    assert second.path != first.path
    assert second.config()["lr"] == 0.2


def test_create_refuses_a_folder_holding_a_run(tmp_path):
    create_run_dir("demo", {}, run_dir=tmp_path / "mine")
    with pytest.raises(UserError, match="already holds a run"):
        create_run_dir("demo", {}, run_dir=tmp_path / "mine")


def _with_checkpoint(run: RunDir) -> RunDir:
    run.checkpoint_path.write_bytes(b"stub")
    run.state_path.write_text(json.dumps({"epoch": 1}))
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
