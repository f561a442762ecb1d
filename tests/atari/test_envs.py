"""Preprocessing: AtariVectorEnv's observations, episode bookkeeping, and the display game's equality."""

import numpy as np
import pytest

from dldemo.apps.atari.envs import EnvSettings, EpisodeTracker, VectorGames, make_envs
from dldemo.apps.atari.games import action_names, resolve_game
from dldemo.apps.atari.play import SingleGame
from dldemo.shared.errors import UserError


def test_observations_are_uint8_stacks_with_zeros_before_the_first_frame():
    games = VectorGames("pong", 3, EnvSettings(), training=True, seed=0)
    try:
        assert games.observations.shape == (3, 4, 84, 84) and games.observations.dtype == np.uint8
        assert not games.observations[:, :3].any() and games.observations[:, 3].any()
        step = games.step(np.zeros(3, np.int32))
        assert step.observations.shape == (3, 4, 84, 84) and step.observations.dtype == np.uint8
        assert step.rewards.dtype == np.float32 and step.dones.dtype == bool
        assert games.num_actions == len(action_names("pong")) == 6
    finally:
        games.close()


def test_a_lost_life_ends_the_episode_but_not_the_game():
    tracker = EpisodeTracker(2, np.array([3, 3]))
    no, yes = np.array([False, False]), np.array([True, False])
    over, done = tracker.update(np.array([5.0, 1.0]), yes, no, np.array([2, 3]))  # env 0 loses a life
    assert not over.any() and done == []
    over, done = tracker.update(np.array([2.0, 1.0]), yes, no, np.array([3, 3]))  # game over: lives reset
    assert over.tolist() == [True, False] and done == [(0, 7.0, 2)]
    over, done = tracker.update(np.array([0.0, 1.0]), no, np.array([False, True]), np.array([3, 3]))
    assert over.tolist() == [False, True] and done == [(1, 3.0, 3)]  # a time limit ends the game too


def test_games_without_lives_end_on_termination():
    tracker = EpisodeTracker(1, np.array([0]))
    over, done = tracker.update(np.array([-1.0]), np.array([True]), np.array([False]), np.array([0]))
    assert over.tolist() == [True] and done == [(0, -1.0, 1)]


def test_the_display_game_sees_exactly_what_the_vector_env_gives():
    settings = EnvSettings(noop_max=0)
    env = make_envs("breakout", 1, settings, training=False)
    observations, _ = env.reset(seed=0)
    game = SingleGame("breakout", settings, seed=0)
    game.reset()
    np.testing.assert_array_equal(observations[0], game.stack)
    rng = np.random.default_rng(0)
    for _ in range(40):
        action = int(rng.integers(0, 4))
        observations, *_ = env.step(np.array([action]))
        frames, _, _ = game.step(action)
        np.testing.assert_array_equal(observations[0], game.stack)
        assert len(frames) == 4 and frames[0].shape == (210, 160, 3)
    env.close()


@pytest.mark.parametrize(
    ("name", "game"),
    [
        ("pong", "pong"),
        ("ALE/Pong-v5", "pong"),
        ("PongNoFrameskip-v4", "pong"),
        ("SpaceInvaders", "space_invaders"),
    ],
)
def test_game_names_in_the_usual_spellings(name, game):
    assert resolve_game(name) == game


def test_an_unknown_game_lists_the_games():
    with pytest.raises(UserError, match="unknown Atari game 'pongg'.*breakout.*pong"):
        resolve_game("pongg")
