"""Both agents learn: greedy return on a toy game rises from chance (4/3) to near perfect (4)."""

import keras
import numpy as np

from dldemo.apps.atari.learner import KerasLearner, compile_q_network
from dldemo.apps.atari.network import build_q_network
from dldemo.apps.atari.policy import epsilon_greedy
from dldemo.apps.atari.recipes import recipe_for


def greedy_return(learner, games, steps: int = 40) -> float:
    """Mean return of the games that end within ``steps`` greedy steps."""
    rng = np.random.default_rng(1)
    finished = []
    for _ in range(steps):
        finished += games.step(
            epsilon_greedy(learner.q_values(games.observations), 0.0, rng)
        ).finished_returns
    return float(np.mean([r for _, r, _ in finished]))


def make_learner(recipe):
    keras.utils.set_random_seed(0)
    model = build_q_network(3, layer_norm=recipe.layer_norm, dueling=recipe.dueling, width=64)
    compile_q_network(
        model, learning_rate=recipe.learning_rate, loss="mse" if recipe.algo == "pqn" else "huber"
    )
    return KerasLearner(model)


def test_pqn_learns_the_toy_game(light_games):
    from dldemo.apps.atari.pqn import PQNAgent

    recipe = recipe_for("tiny", "pqn", envs=16, learning_rate=1e-3)
    learner = make_learner(recipe)
    before = greedy_return(learner, light_games(16, seed=5))
    games = light_games(16 + recipe.test_envs)
    agent = PQNAgent(learner, recipe, games, np.random.default_rng(0))
    for i in range(12):
        agent.iterate(epsilon=max(0.05, 1 - i / 6))
    after = greedy_return(learner, light_games(16, seed=5))
    assert before < 2.5
    assert after > 3.6, (before, after)


def test_dqn_learns_the_toy_game(light_games):
    from dldemo.apps.atari.dqn import DQNAgent
    from dldemo.apps.atari.replay import FrameReplay

    recipe = recipe_for("tiny", "dqn", learning_rate=1e-3, learning_starts=64, train_every=2, target_every=20)
    learner = make_learner(recipe)
    before = greedy_return(learner, light_games(16, seed=5))
    games = light_games(recipe.envs + recipe.test_envs)
    replay = FrameReplay(recipe.buffer, recipe.envs, n_step=recipe.n_step, gamma=recipe.gamma)
    agent = DQNAgent(learner, recipe, games, np.random.default_rng(0), replay)
    for i in range(6):
        agent.iterate(epsilon=max(0.05, 1 - i / 3))
    after = greedy_return(learner, light_games(16, seed=5))
    assert before < 2.5
    assert after > 3.6, (before, after)
