"""atari's tab in `dldemo serve`: the agent plays a game, streamed frame by frame with its Q-value bars."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import gradio as gr

from dldemo.apps.atari.agent import Agent, shipped_games
from dldemo.apps.atari.games import action_names, display_name
from dldemo.apps.atari.play import NATIVE_FPS, play
from dldemo.apps.atari.render import render
from dldemo.shared.web.inputs import refused, shrink
from dldemo.shared.web.tab import WebContext

FRAME_STEP = 3  # every 3rd emulator frame is sent: 20 frames/s in the game's own time
SENT_SIDE = 720  # the rendered frame (bars and the screen x3, 930x630) is shrunk to this long side
GAME_SECONDS = 600  # a stream holds one of the app's slots at most this long


class Agents:
    """The agents the page can show, each loaded once on first use and shared by every visitor."""

    def __init__(self, weights: str | None) -> None:
        self.lock = threading.Lock()
        self.loaded: dict[str, Agent] = {}
        if weights is not None:  # the user's own agent: its game is the only choice
            agent = Agent.from_preset(weights)
            self.loaded[agent.game] = agent
            self.games = [agent.game]
        else:
            self.games = shipped_games()
            self.get(self.games[0])

    def get(self, game: str) -> Agent:
        with self.lock:
            if game not in self.loaded:
                self.loaded[game] = Agent.from_preset(None, game)
            return self.loaded[game]


def tab(context: WebContext) -> None:
    agents = Agents(context.weights)

    def stream(game: str, seed: float) -> Iterator[list]:
        if game not in agents.games:
            raise refused(f"No agent for '{game}': choose one of {', '.join(agents.games)}.")
        agent = agents.get(game)
        names = action_names(game)
        period, next_at = FRAME_STEP / NATIVE_FPS, time.perf_counter()
        moments = play(agent.model, game, agent.settings, seed=int(seed), games=1)
        for index, moment in enumerate(moments):
            if index % FRAME_STEP:
                continue
            status = f"{display_name(game)} · return {moment.score:+g} · action {names[moment.action]}"
            yield [shrink(render(moment, names), SENT_SIDE), status]
            next_at += period
            time.sleep(max(0.0, next_at - time.perf_counter()))  # the game's own pace, not faster

    with gr.Row():
        game = gr.Dropdown(agents.games, value=agents.games[0], label="game", scale=2)
        seed = gr.Number(0, precision=0, label="seed (another game)", scale=1)
        start = gr.Button("Play", variant="primary", scale=1)
        stop = gr.Button("Stop", scale=1)
    screen = gr.Image(
        label="the agent's game and its Q-values",
        format="png",
        interactive=False,
        buttons=["download", "fullscreen"],
        height=560,
        elem_id="atari-screen",
    )
    status = gr.Markdown(elem_classes=["dldemo-timing"], elem_id="atari-status")
    playing = start.click(
        stream,
        [game, seed],
        [screen, status],
        concurrency_limit=context.concurrency,
        concurrency_id=context.app,
        time_limit=GAME_SECONDS,
        show_progress="hidden",
    )
    stop.click(None, None, None, cancels=[playing])
