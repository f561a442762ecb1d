"""atari: deep Q-learning agents (PQN and the DQN family) that learn ALE games from pixels.

Reading order: ``recipes`` (every setting of a run, per algorithm and preset) -> ``games`` and ``envs``
(many emulators at once, Nature-DQN preprocessing) -> ``network`` (the Q-network) -> ``learner`` (the
loss on the chosen action and the gradient steps) -> ``policy`` and ``targets`` (epsilon-greedy acting,
n-step, double-Q and Q(lambda) targets) -> ``replay`` (DQN's frame buffer) -> ``pqn`` and ``dqn`` (the
two agents, one ``iterate`` each) -> ``training`` (a run: state, logs, checkpoints, resume) -> ``agent``
(a trained agent loaded to play) -> ``evaluate`` (scores over whole games) -> ``play``, ``render`` and
``live`` (watching it play) -> ``recording`` (clips during training) -> ``bench`` -> ``commands`` (the CLI).
"""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="atari",
    description="Deep Q-learning on Atari: an agent learns Pong (or any ALE game) from pixels (mean return)",
    commands_module="dldemo.apps.atari.commands",
    web_module="dldemo.apps.atari.web",
    weights=ASSETS_DIR / "atari" / "pong.keras",
)
