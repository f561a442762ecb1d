"""The atari app through the CLI: run and record write decodable videos; user errors are one line."""

import json
import zipfile

import pytest

from dldemo.apps.atari.learner import compile_q_network
from dldemo.apps.atari.network import build_q_network
from dldemo.apps.atari.recipes import recipe_for
from dldemo.apps.atari.recording import short_count
from dldemo.shared.live import read_video_frames
from tests.cli import dldemo, tensorflow_half_only


@tensorflow_half_only
def test_run_writes_the_requested_frames_of_the_shipped_agent(tmp_path, capsys):
    video = tmp_path / "pong.mp4"
    assert dldemo("run", "atari", "--output", video, "--max-frames", 90) == 0
    frames = read_video_frames(video)
    assert len(frames) == 90
    assert frames[0].shape[1:] == (780, 3) and frames[0].shape[0] > 630  # Q-value bars beside the 3x screen,
    # under the HUD
    assert f"wrote {video} (90 frames)" in capsys.readouterr().out


@tensorflow_half_only
def test_record_stitches_one_captioned_clip_per_milestone(tmp_path, capsys):
    video = tmp_path / "training.mp4"
    args = ["--preset", "tiny", "--steps", 512, "--clip-every", 256, "--clip-seconds", 0.25]
    assert dldemo("record", "atari", "--run-dir", tmp_path / "run", "--output", video, *args) == 0
    out = capsys.readouterr().out
    # Clips come at the end of the first iteration at or past each milestone: tiny PQN iterations are 128
    # steps (8 envs x 16), so after iterations 1 (step 128, the first) and 3 (step 384 = 128 + 256); then
    # the final agent (step 512).
    assert recipe_for("tiny").steps_per_update == 128
    assert f"wrote {video} (3 clips)" in out
    assert len(read_video_frames(video)) == 3 * 15  # 0.25 s at 60 fps each
    assert (tmp_path / "run" / "media" / "learning_curve.png").is_file()


def test_eval_json_has_the_contracted_keys(tmp_path, capsys):
    assert dldemo("eval", "atari", "--episodes", 1, "--json", "--epsilon", 1.0) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"mean_return", "std_return", "episodes"} <= metrics.keys() and metrics["episodes"] == 1
    assert -21 <= metrics["mean_return"] <= -15  # a random player loses at Pong


@pytest.mark.parametrize("verb", ["train", "eval", "run"])
def test_an_unknown_game_lists_the_games(verb, capsys):
    assert dldemo(verb, "atari", "--game", "pongg") == 2
    err = capsys.readouterr().err
    assert "unknown Atari game 'pongg'" in err and "breakout" in err and "Traceback" not in err


def test_weights_for_another_action_count_are_refused(tmp_path, capsys):
    path = tmp_path / "breakout-like.keras"
    compile_q_network(build_q_network(4, width=16), learning_rate=1e-3, loss="mse").save(path)
    assert dldemo("eval", "atari", "--game", "pong", "--weights", path) == 2
    err = capsys.readouterr().err
    assert "4 actions but pong has 6" in err


def test_weights_of_another_app_are_refused(tmp_path, capsys):
    from dldemo.assets import ASSETS_DIR

    assert dldemo("eval", "atari", "--weights", ASSETS_DIR / "colorize" / "colorizer.keras") == 2
    assert "not an Atari agent" in capsys.readouterr().err


DEEP_JSON = "[" * 100_000  # json.loads raises RecursionError on it


def saved_agent(tmp_path, config_json: str | None = None):
    """A 6-action Q-network saved as agent.keras, with its internal config.json replaced if given."""
    build_q_network(6, width=16).save(tmp_path / "saved.keras")
    path = tmp_path / "agent.keras"
    with zipfile.ZipFile(tmp_path / "saved.keras") as saved, zipfile.ZipFile(path, "w") as agent:
        for item in saved.infolist():
            replace = item.filename == "config.json" and config_json is not None
            agent.writestr(item, config_json if replace else saved.read(item))
    return path


def one_line_error(capsys, *args) -> str:
    assert dldemo(*args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    return err


def test_unreadable_settings_beside_an_agent_are_a_one_line_error(tmp_path, capsys):
    path = saved_agent(tmp_path)
    (tmp_path / "agent.json").write_text(DEEP_JSON)
    err = one_line_error(capsys, "eval", "atari", "--weights", path, "--episodes", 1)
    assert f"{tmp_path / 'agent.json'} is unreadable" in err


def test_an_agent_with_a_crafted_config_is_a_one_line_error(tmp_path, capsys):
    path = saved_agent(tmp_path, DEEP_JSON)
    err = one_line_error(capsys, "eval", "atari", "--weights", path, "--episodes", 1)
    assert f"could not load {path}" in err


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"env": [1, 2]}, "env=[1, 2], not dict"),
        ({"game": 5}, "game=5, not str"),
        ({"game": "pongg"}, "game='pongg', not an ALE game id"),
        ({"env": {"sticky": "x"}}, "env.sticky='x', not int or float"),
        ({"env": {"noop_max": True}}, "env.noop_max=True, not int"),
    ],
)
def test_settings_of_the_wrong_shape_are_a_one_line_error(tmp_path, capsys, settings, complaint):
    path = saved_agent(tmp_path)
    (tmp_path / "agent.json").write_text(json.dumps(settings))
    err = one_line_error(capsys, "eval", "atari", "--weights", path, "--episodes", 1)
    assert f"{tmp_path / 'agent.json'} has {complaint}" in err


def test_settings_missing_the_game_and_actions_still_play(tmp_path, capsys):
    path = saved_agent(tmp_path)
    (tmp_path / "agent.json").write_text(json.dumps({"env": {"sticky": 0}}))
    assert dldemo("eval", "atari", "--weights", path, "--episodes", 1, "--epsilon", 1.0) == 0
    assert "pong: mean return" in capsys.readouterr().out


def test_no_shipped_agent_for_a_game_says_how_to_train_one(capsys):
    assert dldemo("eval", "atari", "--game", "breakout") == 2
    assert "dldemo train atari --game breakout" in capsys.readouterr().err


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path, capsys):
    assert dldemo("train", "atari", "--resume", tmp_path) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_short_counts():
    assert [short_count(n) for n in (950, 12_345, 2_500_000)] == ["950", "12.3k", "2.5M"]
