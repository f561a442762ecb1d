"""The atari app's verbs, in the shared CLI contract."""

from __future__ import annotations

import click

from dldemo.apps.atari.recipes import PQN
from dldemo.shared.options import (
    apply_options,
    json_option,
    learning_rate_option,
    max_frames_option,
    output_option,
    preset_option,
    run_start_options,
    weights_option,
)
from dldemo.shared.report import print_report, report_run_saved

game_option = click.option(
    "--game",
    default=None,
    help="ALE game: pong, breakout, space_invaders... (default: pong, or the weights' game).",
)
episode_seed_option = click.option("--seed", type=int, default=0, show_default=True)

training_options = apply_options(
    [
        click.option("--game", default="pong", show_default=True, help="ALE game (pong, breakout, ...)."),
        preset_option(
            PQN,
            help="tiny: seconds (tests); cpu: 3M steps, Pong reaches 18 in about 20 min on 2 "
            "cores; gpu: 10M steps, 128 envs.",
        ),
        click.option(
            "--algo",
            type=click.Choice(("pqn", "dqn")),
            default="pqn",
            show_default=True,
            help="pqn: vectorised Q(lambda), no replay (fast); dqn: replay, n-step double dueling DQN.",
        ),
        click.option(
            "--envs", type=click.IntRange(min=1), default=None, help="Training envs (preset default)."
        ),
        click.option(
            "--steps", type=click.IntRange(min=1), default=None, help="Agent steps over all envs (x4 frames)."
        ),
        learning_rate_option,
        click.option(
            "--sticky",
            type=click.FloatRange(0, 1),
            default=0.0,
            show_default=True,
            help="Sticky-action probability: 0 = v4 NoFrameskip (CleanRL, SB3), 0.25 = v5.",
        ),
        click.option(
            "--stop-at",
            type=float,
            default=None,
            help="Stop once the greedy test envs' mean return (10 games) reaches this.",
        ),
        click.option(
            "--threads",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="Emulator threads (0: all cores).",
        ),
        run_start_options,
    ]
)


@click.command("atari")
@training_options
def train(stop_at, threads, **options):
    """Train a Q-learning agent; logs return, steps/s and loss; Ctrl-C saves a resumable checkpoint."""
    from dldemo.apps.atari import training

    session = training.prepare(**options)
    training.train(session, stop_at=stop_at, threads=threads)
    report_run_saved("atari", session.run_dir.path)


@click.command("atari")
@game_option
@weights_option
@click.option("--episodes", type=click.IntRange(min=1), default=10, show_default=True)
@episode_seed_option
@click.option(
    "--epsilon",
    type=click.FloatRange(0, 1),
    default=None,
    help="Chance of a random action (default 0.01, as in DQN papers).",
)
@click.option(
    "--sticky", type=click.FloatRange(0, 1), default=None, help="Sticky actions (default: as trained)."
)
@json_option
def evaluate(game, weights, episodes, seed, epsilon, sticky, as_json):
    """Mean and spread of the score over whole games (all lives, unclipped), near-greedy (epsilon 0.01)."""
    from dataclasses import replace

    from dldemo.apps.atari.agent import Agent
    from dldemo.apps.atari.evaluate import EVAL_EPSILON, evaluate

    agent = Agent.from_preset(weights, game)
    settings = agent.settings if sticky is None else replace(agent.settings, sticky=sticky)
    epsilon = EVAL_EPSILON if epsilon is None else epsilon
    metrics = evaluate(
        agent.model, agent.game, episodes=episodes, seed=seed, epsilon=epsilon, settings=settings
    )
    summary = (
        f"{agent.game}: mean return {metrics['mean_return']:.2f} ± {metrics['std_return']:.2f} over "
        f"{metrics['episodes']} games (epsilon {epsilon}, sticky {settings.sticky}, seed {seed})",
        "returns: " + " ".join(f"{r:g}" for r in metrics["returns"]),
    )
    print_report(metrics, as_json, summary=summary)


@click.command("atari")
@game_option
@weights_option
@output_option
@max_frames_option
@episode_seed_option
@click.option(
    "--epsilon", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Random-move chance."
)
def run(game, weights, output, max_frames, seed, epsilon):
    """Watch the agent play at 60 fps, with its score, move and Q-values (a window, or an MP4 of one game)."""
    from dldemo.apps.atari.agent import Agent
    from dldemo.apps.atari.live import run_atari

    run_atari(
        Agent.from_preset(weights, game), output=output, max_frames=max_frames, seed=seed, epsilon=epsilon
    )


@click.command("atari")
@training_options
@click.option(
    "--output", type=click.Path(dir_okay=False), default=None, help="The video (default: in the run)."
)
@click.option(
    "--clip-every",
    type=click.IntRange(min=1),
    default=None,
    help="Steps between clips (default: 1/20 of the run).",
)
@click.option("--clip-seconds", type=click.FloatRange(min=0.1), default=8.0, show_default=True)
def record(output, clip_every, clip_seconds, stop_at, threads, **options):
    """Train while recording a greedy clip at every milestone, captioned with the steps and the score."""
    from dldemo.apps.atari import training
    from dldemo.apps.atari.recording import ClipRecorder, clip_name

    session = training.prepare(**options)
    recorder = ClipRecorder(
        session,
        output or session.run_dir.media_dir / clip_name(session),
        every=clip_every or max(1, session.recipe.steps // 20),
        seconds=clip_seconds,
    )
    try:
        training.train(session, hooks=[recorder], stop_at=stop_at, threads=threads)
    finally:
        video, curve = recorder.close(session)
    click.echo(f"wrote {video} ({recorder.clips} clips) and {curve}")


@click.command("atari")
@click.option("--game", default="pong", show_default=True)
@preset_option(PQN, help="Whose envs and minibatches the learning throughput uses.")
@click.option("--envs", type=click.IntRange(min=1), default=None, help="Training envs (preset default).")
@click.option("--seconds", type=click.FloatRange(min=0.5), default=5.0, show_default=True)
@json_option
def bench(game, preset, envs, seconds, as_json):
    """Steps/s of the emulators, of emulators + batched acting, and samples/s of PQN learning."""
    from dldemo.apps.atari.bench import benchmark
    from dldemo.apps.atari.games import resolve_game
    from dldemo.shared.bench import bench_header

    game = resolve_game(game)
    numbers = {**bench_header(), "game": game, "preset": preset, **benchmark(game, preset, envs, seconds)}
    print_report(numbers, as_json, digits=1)
