"""atari: deep Q-learning agents (PQN and the DQN family) that learn ALE games from pixels."""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="atari",
    description="Deep Q-learning on Atari: an agent learns Pong (or any ALE game) from pixels (mean return)",
    commands_module="dldemo.apps.atari.commands",
    weights=ASSETS_DIR / "atari" / "pong.keras",
)
