"""A training run: build or resume the agent, iterate, log, checkpoint atomically, save on Ctrl-C.

Resume restores the weights, optimizer state, step counters, schedules and random generator from the
last checkpoint (and the DQN replay buffer when it was saved: on Ctrl-C and at the end); the games in
flight restart from new episodes, since emulator states are not checkpointed.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import keras
import numpy as np

from dldemo.apps.atari.envs import EnvSettings, VectorGames
from dldemo.apps.atari.games import action_names, resolve_game
from dldemo.apps.atari.learner import Learner, compile_q_network, make_learner
from dldemo.apps.atari.network import build_q_network, custom_objects
from dldemo.apps.atari.recipes import Recipe, epsilon_at, recipe_for
from dldemo.shared.errors import UserError
from dldemo.shared.train import RunDir, create_run_dir, load_checkpoint, open_run_dir, save_checkpoint
from dldemo.shared.train.checkpoint import save_model

APP = "atari"
REPLAY_FILE = "replay.npz"
RECENT = 10  # episodes in the running means


@dataclass
class Session:
    """Everything a training run holds between iterations."""

    run_dir: RunDir
    game: str
    recipe: Recipe
    settings: EnvSettings
    learner: Learner
    seed: int
    state: dict = field(default_factory=dict)
    test_returns: deque = field(default_factory=lambda: deque(maxlen=RECENT))
    train_returns: deque = field(default_factory=lambda: deque(maxlen=RECENT))

    @property
    def step(self) -> int:
        return self.state["step"]

    def test_return(self) -> float | None:
        """Mean greedy return of the last 10 test episodes (None before 10 ended)."""
        return float(np.mean(self.test_returns)) if len(self.test_returns) == RECENT else None


def run_config(game: str, recipe: Recipe, settings: EnvSettings, seed: int) -> dict:
    return {
        "game": game,
        "actions": action_names(game),
        "recipe": asdict(recipe),
        "env": asdict(settings),
        "seed": seed,
        "backend": keras.backend.backend(),
    }


def prepare(
    *,
    game: str = "pong",
    preset: str = "cpu",
    algo: str = "pqn",
    envs: int | None = None,
    steps: int | None = None,
    learning_rate: float | None = None,
    sticky: float = 0.0,
    seed: int = 0,
    run_dir: str | None = None,
    resume: str | None = None,
) -> Session:
    """A new run (``runs/atari/<timestamp>``) or, with ``resume``, an interrupted one."""
    if resume:
        run = open_run_dir(resume, app=APP)
        config = run.config()
        recipe = Recipe(**config["recipe"])
        if steps is not None:
            recipe = Recipe(**{**config["recipe"], "steps": steps})
        settings = EnvSettings(**config["env"])
        model = load_checkpoint(run.checkpoint_path, custom_objects=custom_objects())
        state = run.state() or {}
        session = Session(run, config["game"], recipe, settings, make_learner(model), config["seed"], state)
        session.test_returns.extend(state.get("test_returns", []))
        session.train_returns.extend(state.get("train_returns", []))
        return session
    game = resolve_game(game)
    try:
        recipe = recipe_for(preset, algo, envs=envs, steps=steps, learning_rate=learning_rate)
    except ValueError as error:
        raise UserError(f"{error}: pick --envs so that it does") from error
    settings = EnvSettings(sticky=sticky)
    keras.utils.set_random_seed(seed)
    num_actions = len(action_names(game))
    model = build_q_network(num_actions, layer_norm=recipe.layer_norm, dueling=recipe.dueling, seed=seed)
    compile_q_network(
        model, learning_rate=recipe.learning_rate, loss="mse" if recipe.algo == "pqn" else "huber"
    )
    run = create_run_dir(APP, run_config(game, recipe, settings, seed), run_dir=run_dir)
    state = {"step": 0, "iterations": 0, "seconds": 0.0, "best": None, "reached": {}}
    return Session(run, game, recipe, settings, make_learner(model), seed, state)


def _make_agent(session: Session, games: VectorGames, rng: np.random.Generator):
    recipe = session.recipe
    if recipe.algo == "pqn":
        from dldemo.apps.atari.pqn import PQNAgent

        return PQNAgent(session.learner, recipe, games, rng)
    from dldemo.apps.atari.dqn import DQNAgent
    from dldemo.apps.atari.replay import FrameReplay

    replay_path = session.run_dir.path / REPLAY_FILE
    if replay_path.is_file() and session.step > 0:
        replay = FrameReplay.load(replay_path)
    else:
        replay = FrameReplay(recipe.buffer, recipe.envs, n_step=recipe.n_step, gamma=recipe.gamma,
                             seed=session.seed)  # fmt: skip
    agent = DQNAgent(session.learner, recipe, games, rng, replay)
    agent.gradient_steps = session.state.get("gradient_steps", 0)
    return agent


def _generator(session: Session) -> np.random.Generator:
    rng = np.random.default_rng(session.seed)
    if "rng" in session.state:
        rng.bit_generator.state = session.state["rng"]
    return rng


Hook = Callable[[Session, dict], None]


def train(session: Session, *, hooks: Sequence[Hook] = (), stop_at: float | None = None,
          log_seconds: float = 10.0, threads: int = 0) -> None:  # fmt: skip
    """Train until ``recipe.steps`` (or until the test return reaches ``stop_at``), calling each hook
    after every log row. Ctrl-C saves a resumable checkpoint and returns."""
    recipe, run = session.recipe, session.run_dir
    rng = _generator(session)
    games = VectorGames(session.game, recipe.envs + recipe.test_envs, session.settings, training=True,
                        seed=session.seed + 7919 * session.state["iterations"], threads=threads)  # fmt: skip
    agent = _make_agent(session, games, rng)
    window = {"steps": 0, "losses": [], "start": time.perf_counter()}
    last_checkpoint = time.perf_counter()
    started = time.perf_counter() - session.state["seconds"]
    print(f"training {recipe.algo} on {session.game}: {recipe.envs} envs (+{recipe.test_envs} greedy), "
          f"{recipe.steps:,} steps, backend {keras.backend.backend()}, run {run.path}")  # fmt: skip
    try:
        while session.step < recipe.steps:
            result = agent.iterate(epsilon_at(recipe, session.step))
            session.state["step"] += result["steps"]
            session.state["iterations"] += 1
            session.state["seconds"] = time.perf_counter() - started
            if hasattr(agent, "gradient_steps"):
                session.state["gradient_steps"] = agent.gradient_steps
            for env, episode_return, _ in result["finished"]:
                (session.test_returns if env >= recipe.envs else session.train_returns).append(episode_return)
            window["steps"] += result["steps"]
            window["losses"].append(result["loss"])
            elapsed = time.perf_counter() - window["start"]
            done = session.step >= recipe.steps
            if elapsed >= log_seconds or done:
                logs = _log_row(session, window, elapsed, epsilon_at(recipe, session.step))
                window = {"steps": 0, "losses": [], "start": time.perf_counter()}
                _keep_best(session, logs)
                for hook in hooks:
                    hook(session, logs)
                reached = stop_at is not None and logs.get("test_return") is not None
                if reached and logs["test_return"] >= stop_at:
                    print(f"test return {logs['test_return']:.1f} >= {stop_at}: stopping")
                    done = True
            if done or time.perf_counter() - last_checkpoint >= recipe.checkpoint_seconds:
                _checkpoint(session, rng, agent, with_replay=done)
                last_checkpoint = time.perf_counter()
            if done:
                break
    except KeyboardInterrupt:
        _checkpoint(session, rng, agent, with_replay=True)
        print(f"\ninterrupted: checkpoint saved; continue with `dldemo train atari --resume {run.path}`")
    finally:
        games.close()


def _log_row(session: Session, window: dict, elapsed: float, epsilon: float) -> dict:
    losses = [x for x in window["losses"] if np.isfinite(x)]
    logs = {
        "step": session.step,
        "seconds": round(session.state["seconds"], 1),
        "sps": round(window["steps"] / max(elapsed, 1e-9), 1),
        "epsilon": round(epsilon, 4),
        "loss": float(np.mean(losses)) if losses else None,
        "train_return": float(np.mean(session.train_returns)) if session.train_returns else None,
        "test_return": session.test_return(),
    }
    test_return = logs["test_return"]
    for threshold in (0, 10, 18, 20):
        key = str(threshold)
        if test_return is not None and test_return >= threshold and key not in session.state["reached"]:
            session.state["reached"][key] = {"step": session.step, "seconds": logs["seconds"]}
    with open(session.run_dir.metrics_path, "a") as f:
        f.write(json.dumps(logs) + "\n")
    shown = {k: (f"{v:.3g}" if isinstance(v, float) else v) for k, v in logs.items()}
    print("  ".join(f"{k} {v}" for k, v in shown.items()), flush=True)
    return logs


def _keep_best(session: Session, logs: dict) -> None:
    """best.keras: the weights with the highest test return so far (10 greedy games); on a tie the later,
    longer-trained weights win."""
    test_return = logs["test_return"]
    if test_return is not None and (session.state["best"] is None or test_return >= session.state["best"]):
        session.state["best"] = test_return
        session.state["best_step"] = session.step
        session.learner.sync()
        save_model(session.learner.model, session.run_dir.best_path)


def _checkpoint(session: Session, rng: np.random.Generator, agent, *, with_replay: bool) -> None:
    session.learner.sync()
    session.state["rng"] = rng.bit_generator.state
    session.state["test_returns"] = list(session.test_returns)
    session.state["train_returns"] = list(session.train_returns)
    if with_replay and hasattr(agent, "replay"):
        agent.replay.save(session.run_dir.path / REPLAY_FILE)
    save_checkpoint(session.learner.model, session.run_dir.checkpoint_path, session.state)
