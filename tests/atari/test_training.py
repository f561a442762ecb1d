"""A training run: Ctrl-C saves a checkpoint, --resume restores it exactly and finishes the run."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from dldemo.apps.atari import training
from dldemo.shared.errors import UserError
from dldemo.shared.train import RunDir


class Interrupt:
    """A hook that presses Ctrl-C at its ``at``-th call and remembers the weights at that moment."""

    def __init__(self, at: int) -> None:
        self.at, self.calls, self.weights = at, 0, None

    def __call__(self, session) -> None:
        self.calls += 1
        if self.calls == self.at:
            session.learner.sync()
            self.weights = [w.copy() for w in session.learner.model.get_weights()]
            raise KeyboardInterrupt


def test_interrupt_then_resume_continues_where_it_stopped(tmp_path, capsys):
    run_dir = tmp_path / "run"
    session = training.prepare(preset="tiny", steps=1536, run_dir=str(run_dir), seed=3)
    interrupt = Interrupt(at=2)
    with pytest.raises(KeyboardInterrupt):
        training.train(session, hooks=[interrupt], log_seconds=0)
    state = RunDir(run_dir).state()
    assert 0 < state["step"] < 1536 and (run_dir / "checkpoint.keras").is_file()
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows][-1] == state["step"]

    resumed = training.prepare(resume=str(run_dir))
    assert f"resuming {run_dir} at step {state['step']:,} of 1,536" in capsys.readouterr().out
    assert resumed.step == state["step"] and resumed.seed == 3 and resumed.game == "pong"
    for saved, restored in zip(interrupt.weights, resumed.learner.model.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, restored)
    assert int(resumed.learner.model.optimizer.iterations) == state["iterations"] * resumed.recipe.epochs * (
        resumed.recipe.minibatches
    )
    assert np.random.default_rng().bit_generator.state != state["rng"]
    assert resumed.generator().bit_generator.state == state["rng"]
    assert state["gradient_steps"] == int(resumed.learner.model.optimizer.iterations)

    training.train(resumed, log_seconds=0)
    final = RunDir(run_dir).state()
    steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert final["step"] >= 1536 and steps == sorted(steps) and steps[-1] == final["step"]


def test_resuming_a_folder_without_a_checkpoint_says_so(tmp_path):
    with pytest.raises(UserError, match="not a run folder"):
        training.prepare(resume=str(tmp_path))


def test_a_corrupt_checkpoint_is_a_clear_error(tmp_path):
    run_dir = tmp_path / "run"
    session = training.prepare(preset="tiny", steps=256, run_dir=str(run_dir))
    training.train(session, log_seconds=0)
    (run_dir / "checkpoint.keras").write_bytes(b"not a zip file")
    with pytest.raises(UserError, match="corrupt"):
        training.prepare(resume=str(run_dir))


def test_ctrl_c_stops_the_cli_training_after_an_iteration_with_a_checkpoint(tmp_path):
    """On JAX a KeyboardInterrupt used to be lost inside an array conversion, and training went on."""
    run_dir = tmp_path / "run"
    command = "from dldemo.shared.cli import main; main()"
    child = subprocess.Popen(
        [sys.executable, "-c", command, "train", "atari", "--preset", "tiny", "--steps", "10000000",
         "--threads", "1", "--run-dir", str(run_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout.readline().startswith("training pqn on pong")
        time.sleep(3)  # a few iterations in
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert f"checkpoint saved: resume with: dldemo train atari --resume {run_dir}" in out
    assert RunDir(run_dir).state()["step"] > 0


def test_a_dqn_run_too_short_to_learn_says_so_and_sizes_its_replay_to_the_run(tmp_path, capsys):
    session = training.prepare(preset="tiny", algo="dqn", steps=200, run_dir=str(tmp_path / "run"))
    training.train(session, log_seconds=0)
    err = capsys.readouterr().err
    assert "warning: the run ends at 200 steps, before DQN starts learning (after 256)" in err
    with np.load(tmp_path / "run" / "replay.npz") as saved:  # room for the run's 200 steps, not 4096
        assert saved["frames"].shape[:2] == (4, 50)


def test_jax_on_a_cpu_only_is_told_that_tensorflow_trains_faster():
    assert "TensorFlow trains atari about twice as fast" in training.slower_backend_note("jax", ["cpu:0"])
    assert training.slower_backend_note("jax", ["gpu:0"]) is None
    assert training.slower_backend_note("tensorflow", ["cpu:0"]) is None
