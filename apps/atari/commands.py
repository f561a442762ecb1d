"""The atari app's verbs, in the shared CLI contract."""

from __future__ import annotations

import json

import click

from dldemo.shared.options import (
    PRESETS,
    apply_options,
    resume_option,
    run_dir_option,
    seed_option,
    weights_option,
)

game_option = click.option(
    "--game",
    default=None,
    help="ALE game: pong, breakout, space_invaders... (default: pong, or the weights' game).",
)


training_options = apply_options(
    [
        click.option("--game", default="pong", show_default=True, help="ALE game (pong, breakout, ...)."),
        click.option(
            "--preset",
            type=click.Choice(PRESETS),
            default="cpu",
            show_default=True,
            help="tiny: seconds (tests); cpu: a few million steps; gpu: 10M steps, 128 envs.",
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
        click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=None),
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
        run_dir_option,
        resume_option,
        seed_option,
    ]
)


def _prepare(options: dict):
    from dldemo.apps.atari import training

    return training.prepare(
        **{
            k: options[k]
            for k in (
                "game",
                "preset",
                "algo",
                "envs",
                "steps",
                "learning_rate",
                "sticky",
                "seed",
                "run_dir",
                "resume",
            )
        }  # fmt: skip
    )


@click.command("atari")
@training_options
def train(**options):
    """Train a Q-learning agent; logs return, steps/s and loss; Ctrl-C saves a resumable checkpoint."""
    from dldemo.apps.atari import training

    session = _prepare(options)
    training.train(session, stop_at=options["stop_at"], threads=options["threads"])
    path = session.run_dir.path
    click.echo(f"run saved in {path}: evaluate with `dldemo eval atari --weights {path}`")


@click.command("atari")
@game_option
@weights_option
@click.option("--episodes", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--epsilon",
    type=click.FloatRange(0, 1),
    default=None,
    help="Chance of a random action (default 0.01, as in DQN papers).",
)
@click.option(
    "--sticky", type=click.FloatRange(0, 1), default=None, help="Sticky actions (default: as trained)."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the metrics as one JSON object on the last line."
)
def evaluate(game, weights, episodes, seed, epsilon, sticky, as_json):
    """Mean and spread of the score over whole games (all lives, unclipped), near-greedy (epsilon 0.01)."""
    from dataclasses import replace

    from dldemo.apps.atari.evaluate import EVAL_EPSILON, evaluate
    from dldemo.apps.atari.weights import load_agent

    agent = load_agent(weights, game)
    settings = agent.settings if sticky is None else replace(agent.settings, sticky=sticky)
    metrics = evaluate(
        agent.model,
        agent.game,
        episodes=episodes,
        seed=seed,
        epsilon=EVAL_EPSILON if epsilon is None else epsilon,
        settings=settings,
    )
    click.echo(
        f"{agent.game}: mean return {metrics['mean_return']:.2f} ± {metrics['std_return']:.2f} over "
        f"{metrics['episodes']} games (epsilon {metrics['epsilon']}, sticky {metrics['sticky']}, seed {seed})"
    )
    click.echo("returns: " + " ".join(f"{r:g}" for r in metrics["returns"]))
    if as_json:
        click.echo(json.dumps(metrics))


@click.command("atari")
@game_option
@weights_option
@click.option(
    "--output", type=click.Path(dir_okay=False), default=None, help="Write an MP4 instead of a window."
)
@click.option("--max-frames", type=click.IntRange(min=1), default=None, help="Stop after this many frames.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--epsilon", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Random-move chance."
)
def run(game, weights, output, max_frames, seed, epsilon):
    """Watch the agent play at 60 fps, with its score, move and Q-values (a window, or an MP4 of one game)."""
    from dldemo.apps.atari.live import run_atari
    from dldemo.apps.atari.weights import load_agent

    run_atari(load_agent(weights, game), output=output, max_frames=max_frames, seed=seed, epsilon=epsilon)


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
def record(output, clip_every, clip_seconds, **options):
    """Train while recording a greedy clip at every milestone, captioned with the steps and the score."""
    from dldemo.apps.atari import training
    from dldemo.apps.atari.recording import ClipRecorder

    session = _prepare(options)
    recorder = ClipRecorder(
        session,
        output or session.run_dir.media_dir / f"train-{session.step}.mp4",
        every=clip_every or max(1, session.recipe.steps // 20),
        seconds=clip_seconds,
    )
    try:
        training.train(session, hooks=[recorder], stop_at=options["stop_at"], threads=options["threads"])
    finally:
        video, curve = recorder.close(session)
    click.echo(f"wrote {video} ({recorder.clips} clips) and {curve}")


@click.command("atari")
@click.option("--game", default="pong", show_default=True)
@click.option("--preset", type=click.Choice(PRESETS), default="cpu", show_default=True)
@click.option("--envs", type=click.IntRange(min=1), default=None, help="Training envs (preset default).")
@click.option("--seconds", type=click.FloatRange(min=0.5), default=5.0, show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the numbers as one JSON object on the last line."
)
def bench(game, preset, envs, seconds, as_json):
    """Steps/s of the emulators, of emulators + batched acting, and samples/s of PQN learning."""
    import keras

    from dldemo.apps.atari.bench import benchmark
    from dldemo.apps.atari.games import resolve_game
    from dldemo.shared.environment import describe_machine

    numbers = {
        "machine": describe_machine(),
        "backend": keras.backend.backend(),
        "game": resolve_game(game),
        "preset": preset,
        **benchmark(resolve_game(game), preset, envs, seconds),
    }
    for key, value in numbers.items():
        click.echo(f"{key:<24} {value}")
    if as_json:
        click.echo(json.dumps(numbers))
