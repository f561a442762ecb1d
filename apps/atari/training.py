"""A training run: build or resume the agent, iterate, log, checkpoint atomically, save on Ctrl-C.

Resume restores the weights, optimizer state, step counters, schedules and random generator from the
last checkpoint (and the DQN replay buffer when it was saved: on Ctrl-C and at the end); the games in
flight restart from new episodes, since emulator states are not checkpointed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import keras
import numpy as np

from dldemo.apps.atari.envs import EnvSettings, VectorGames
from dldemo.apps.atari.games import action_names, resolve_game
from dldemo.apps.atari.learner import Learner, compile_q_network, make_learner
from dldemo.apps.atari.network import build_q_network, custom_objects
from dldemo.apps.atari.recipes import PRESETS, Recipe, epsilon_at
from dldemo.shared.errors import UserError
from dldemo.shared.train import RunDir, save_checkpoint, start_run
from dldemo.shared.train.checkpoint import save_model
from dldemo.shared.train.cluster import process_count
from dldemo.shared.train.distribute import list_devices
from dldemo.shared.train.interrupts import check_interrupt, deferred_interrupts

APP = "atari"
RECENT = 10  # games in the running mean returns
ENV_SEED_STRIDE = 7919  # a prime: each resumed stretch of a run seeds its emulators afresh


@dataclass
class TrainState:
    """Where a run stands: saved inside every checkpoint, read back on resume."""

    step: int = 0  # agent steps summed over the training envs
    iterations: int = 0  # calls of the agent's ``iterate``
    seconds: float = 0.0  # training time over every stretch of the run
    gradient_steps: int = 0
    best: float | None = None  # the best test return so far, whose weights are best.keras
    best_step: int | None = None
    reached: dict[str, dict] = field(default_factory=dict)  # milestone -> {"step", "seconds"} first reached
    rng: dict | None = None  # the NumPy generator's state (exploration, minibatch order)
    test_returns: list[float] = field(default_factory=list)  # the last RECENT games of the greedy test envs
    train_returns: list[float] = field(default_factory=list)  # the last RECENT games of the training envs

    def add_games(self, finished: list[tuple[int, float, int]], training_envs: int) -> None:
        """Keep the returns of finished games; envs from ``training_envs`` on are the test envs."""
        for env, episode_return, _ in finished:
            returns = self.test_returns if env >= training_envs else self.train_returns
            returns.append(episode_return)
            del returns[:-RECENT]

    def test_return(self) -> float | None:
        """Mean greedy return of the last 10 test games (None before 10 ended)."""
        return float(np.mean(self.test_returns)) if len(self.test_returns) == RECENT else None


class LearningAgent(Protocol):
    """What the trainer drives: ``PQNAgent`` or ``DQNAgent``."""

    gradient_steps: int

    def iterate(self, epsilon: float) -> dict:
        """Act in every env and learn: {"steps", "loss", "finished": [(env, return, length), ...]}."""
        ...

    def save(self, folder: Path) -> None:
        """Save into the run folder what the checkpoint does not hold (DQN: the replay buffer)."""
        ...


@dataclass
class Session:
    """Everything a training run holds between iterations."""

    run_dir: RunDir
    game: str
    recipe: Recipe
    settings: EnvSettings
    learner: Learner
    seed: int
    state: TrainState = field(default_factory=TrainState)

    @property
    def step(self) -> int:
        return self.state.step

    def generator(self) -> np.random.Generator:
        """The run's NumPy generator, as the last checkpoint left it."""
        rng = np.random.default_rng(self.seed)
        if self.state.rng is not None:
            rng.bit_generator.state = self.state.rng
        return rng


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
    mixed_precision: bool = False,
    run_dir: str | None = None,
    resume: str | None = None,
) -> Session:
    """A new run (``runs/atari/<timestamp>``) or, with ``resume``, an interrupted one (more ``steps``
    extend it)."""
    if process_count() > 1:
        raise UserError(
            "atari trains in one process (its emulators and replay live there): drop --coordinator"
        )
    settings = None  # a resumed run keeps its own
    if not resume:
        game = resolve_game(game)
        settings = {"game": game, "actions": action_names(game), "env": asdict(EnvSettings(sticky=sticky))}
    try:
        start = start_run(APP, presets=PRESETS[algo], preset=preset, seed=seed, run_dir=run_dir,
                          overrides={"envs": envs, "steps": steps, "learning_rate": learning_rate},
                          settings=settings, mixed_precision=mixed_precision,
                          resume=resume, extend={"steps": steps})  # fmt: skip
    except ValueError as error:
        raise UserError(f"{error}: pick --envs so that it does") from error
    recipe, config = start.recipe(Recipe), start.config
    start.prepare_devices(recipe.minibatch, spread=False)  # one device: see README's Scaling out
    if start.resumed:
        model = start.load_checkpoint(custom_objects())
        state = TrainState(**start.run.state())
        start.run.keep_history(lambda row: row.get("step", 0) <= state.step)  # rows after the checkpoint
        print(f"resuming {start.run.path} at step {state.step:,} of {recipe.steps:,}")
    else:
        model = build_q_network(len(config["actions"]), layer_norm=recipe.layer_norm, dueling=recipe.dueling,
                                seed=start.seed)  # fmt: skip
        compile_q_network(
            model, learning_rate=recipe.learning_rate, loss="mse" if recipe.algo == "pqn" else "huber"
        )
        state = TrainState()
    try:
        game, env = config["game"], EnvSettings(**config["env"])
    except (KeyError, TypeError) as error:  # only a resumed run's config.json can be off
        raise start.bad_config(f"no usable game or env settings ({error!r})") from None
    return Session(start.create(), game, recipe, env, make_learner(model), start.seed, state)


def make_agent(session: Session, games: VectorGames, rng: np.random.Generator) -> LearningAgent:
    recipe, gradient_steps = session.recipe, session.state.gradient_steps
    if recipe.algo == "pqn":
        from dldemo.apps.atari.pqn import PQNAgent

        return PQNAgent(session.learner, recipe, games, rng, gradient_steps=gradient_steps)
    from dldemo.apps.atari.dqn import DQNAgent, replay_for

    replay = replay_for(recipe, session.run_dir.path, resumed=session.step > 0, seed=session.seed)
    return DQNAgent(session.learner, recipe, games, rng, replay, gradient_steps=gradient_steps)


Hook = Callable[[Session], None]


def train(session: Session, *, hooks: Sequence[Hook] = (), stop_at: float | None = None,
          log_seconds: float = 10.0, threads: int = 0) -> None:  # fmt: skip
    """Train until ``recipe.steps`` (or until the test return reaches ``stop_at``), logging a row every
    ``log_seconds`` and calling each hook after every iteration. Ctrl-C or SIGTERM stops after the current
    iteration, saves a resumable checkpoint and raises ``Interrupted``."""
    run = session.run_dir
    run.lock()
    try:
        with deferred_interrupts():
            _train(session, hooks, stop_at, log_seconds, threads)
    finally:
        run.unlock()


def slower_backend_note(backend: str, devices: Sequence[str]) -> str | None:
    """A hint when JAX trains on a CPU only: there TensorFlow, the default backend, acts about 2.6 times
    faster (README's atari benchmark: 966 against 364 acting steps/s on 2 cores)."""
    if backend == "jax" and all(device.startswith("cpu") for device in devices):
        return ("note: on a CPU, TensorFlow trains atari about twice as fast as JAX: "
                "leave KERAS_BACKEND unset where TensorFlow is installed")  # fmt: skip
    return None


def _train(session: Session, hooks: Sequence[Hook], stop_at: float | None, log_seconds: float,
           threads: int) -> None:  # fmt: skip
    recipe, run, state = session.recipe, session.run_dir, session.state
    rng = session.generator()
    games = VectorGames(session.game, recipe.envs + recipe.test_envs, session.settings, training=True,
                        seed=session.seed + ENV_SEED_STRIDE * state.iterations, threads=threads)  # fmt: skip
    agent = make_agent(session, games, rng)
    window_steps, window_losses, window_start = 0, [], time.perf_counter()
    started, last_checkpoint = time.perf_counter() - state.seconds, time.perf_counter()
    if recipe.algo == "dqn" and recipe.steps <= recipe.learning_starts:
        print(f"warning: the run ends at {recipe.steps:,} steps, before DQN starts learning (after "
              f"{recipe.learning_starts:,}): the agent will not learn; pass more --steps",
              file=sys.stderr)  # fmt: skip
    print(f"training {recipe.algo} on {session.game}: {recipe.envs} envs (+{recipe.test_envs} greedy), "
          f"{recipe.steps:,} steps, backend {keras.backend.backend()}, run {run.path}")  # fmt: skip
    if note := slower_backend_note(keras.backend.backend(), list_devices()):
        print(note, file=sys.stderr)
    try:
        done = state.step >= recipe.steps
        while not done:
            result = agent.iterate(epsilon_at(recipe, state.step))
            state.step += result["steps"]
            state.iterations += 1
            state.seconds = time.perf_counter() - started
            state.gradient_steps = agent.gradient_steps
            state.add_games(result["finished"], recipe.envs)
            window_steps += result["steps"]
            window_losses.append(result["loss"])
            elapsed = time.perf_counter() - window_start
            done = state.step >= recipe.steps
            if elapsed >= log_seconds or done:
                test_return = log_row(session, window_steps / max(elapsed, 1e-9), window_losses)
                window_steps, window_losses, window_start = 0, [], time.perf_counter()
                keep_best(session, test_return)
                if stop_at is not None and test_return is not None and test_return >= stop_at:
                    print(f"test return {test_return:.1f} >= {stop_at}: stopping")
                    done = True
            for hook in hooks:
                hook(session)
            check_interrupt()
            if done or time.perf_counter() - last_checkpoint >= recipe.checkpoint_seconds:
                checkpoint(session, rng, agent, with_replay=done)
                last_checkpoint = time.perf_counter()
    except KeyboardInterrupt:
        checkpoint(session, rng, agent, with_replay=True)
        print(f"\ninterrupted at step {state.step:,}; checkpoint saved: resume with: "
              f"dldemo train atari --resume {run.path}")  # fmt: skip
        raise
    finally:
        games.close()


def log_row(session: Session, steps_per_second: float, losses: list[float]) -> float | None:
    """Append a row to metrics.jsonl, print it and note the milestones reached; returns the test return."""
    state = session.state
    finite = [x for x in losses if np.isfinite(x)]
    logs = {
        "step": state.step,
        "seconds": round(state.seconds, 1),
        "sps": round(steps_per_second, 1),
        "epsilon": round(epsilon_at(session.recipe, state.step), 4),
        "loss": float(np.mean(finite)) if finite else None,
        "train_return": float(np.mean(state.train_returns)) if state.train_returns else None,
        "test_return": state.test_return(),
    }
    for milestone in session.recipe.milestones:
        if logs["test_return"] is not None and logs["test_return"] >= milestone:
            state.reached.setdefault(f"{milestone:g}", {"step": state.step, "seconds": logs["seconds"]})
    session.run_dir.append_metrics(logs)
    shown = {k: (f"{v:.3g}" if isinstance(v, float) else v) for k, v in logs.items()}
    print("  ".join(f"{k} {v}" for k, v in shown.items()), flush=True)
    return logs["test_return"]


def keep_best(session: Session, test_return: float | None) -> None:
    """best.keras: the weights with the highest test return so far (10 greedy games); on a tie the later,
    longer-trained weights win."""
    state = session.state
    if test_return is not None and (state.best is None or test_return >= state.best):
        state.best, state.best_step = test_return, state.step
        session.learner.sync()
        save_model(session.learner.model, session.run_dir.best_path)


def checkpoint(
    session: Session, rng: np.random.Generator, agent: LearningAgent, *, with_replay: bool
) -> None:
    """checkpoint.keras with the state inside (and, ``with_replay``, what the agent saves beside it)."""
    session.learner.sync()
    session.state.rng = rng.bit_generator.state
    if with_replay:
        agent.save(session.run_dir.path)
    save_checkpoint(session.learner.model, session.run_dir.checkpoint_path, asdict(session.state))
