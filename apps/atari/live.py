"""``dldemo run atari``: the agent plays in a window (or into an MP4) at the game's native 60 fps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dldemo.apps.atari.agent import Agent
from dldemo.apps.atari.games import action_names, display_name
from dldemo.apps.atari.play import NATIVE_FPS, Moment, play
from dldemo.apps.atari.render import render
from dldemo.shared.live import has_display, run_live
from dldemo.shared.live.sources import FrameSource


def run_atari(
    agent: Agent,
    *,
    output: str | Path | None = None,
    max_frames: int | None = None,
    seed: int = 0,
    epsilon: float = 0.0,
) -> Path | None:
    """Play games until q (window) or one game / ``max_frames`` frames (MP4); returns the video path."""
    names = action_names(agent.game)
    games = None if output is None and has_display() else 1

    def moments():  # the source yields the game's moments: each screen with the Q-values behind it
        return play(agent.model, agent.game, agent.settings, seed=seed, epsilon=epsilon, games=games)

    def process(moment: Moment) -> tuple[np.ndarray, list[str]]:
        title = f"{display_name(agent.game)} · game {moment.game}"
        return render(moment, names), [title, f"return {moment.score:+g}", f"action {names[moment.action]}"]

    source = FrameSource(f"{agent.game} (agent)", moments, fps=NATIVE_FPS, count=None)
    return run_live(app="atari", source=source, process=process, output=output, max_frames=max_frames)
