"""Training recipes: PQN (the fast default) and the DQN family, each at tiny / cpu / gpu scale."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Recipe:
    """Everything that shapes a training run (the env settings live in ``EnvSettings``)."""

    algo: str = "pqn"
    steps: int = 10_000_000  # agent steps summed over the training envs (x4 frames each)
    envs: int = 128  # training envs; ``test_envs`` more play greedily beside them
    test_envs: int = 8
    gamma: float = 0.99
    learning_rate: float = 2.5e-4
    epsilon_start: float = 1.0
    epsilon_end: float = 0.001
    epsilon_fraction: float = 0.1  # of ``steps``, the linear decay's length
    layer_norm: bool = True
    dueling: bool = False
    # PQN (Gallici et al. 2024): rollouts of ``rollout`` steps per env, Q(lambda) targets, no replay
    rollout: int = 32
    epochs: int = 2
    minibatches: int = 32
    lam: float = 0.65
    # DQN family: replay of single frames, n-step double Q-learning with a target network
    buffer: int = 1_000_000
    batch: int = 32
    learning_starts: int = 80_000
    train_every: int = 4  # agent steps (over all envs) per gradient step
    target_every: int = 1000  # gradient steps between target-network copies
    n_step: int = 3
    double: bool = True
    checkpoint_seconds: float = 120.0
    milestones: tuple[float, ...] = (0, 10, 18, 20)  # test returns whose first time the state records

    def __post_init__(self) -> None:
        if self.algo == "pqn" and self.steps_per_update % self.minibatches:
            raise ValueError(
                f"rollout x envs ({self.steps_per_update}) must divide into {self.minibatches} minibatches"
            )

    @property
    def steps_per_update(self) -> int:
        return self.rollout * self.envs

    @property
    def minibatch(self) -> int:
        """Rows per gradient step: a PQN rollout's share, or a DQN replay batch."""
        return self.steps_per_update // self.minibatches if self.algo == "pqn" else self.batch


PQN = {
    "tiny": Recipe(steps=2048, envs=8, test_envs=2, rollout=16, minibatches=4, epochs=1),
    "cpu": Recipe(steps=3_000_000, envs=32, test_envs=4, minibatches=16),
    "gpu": Recipe(),
}
DQN = {  # CleanRL's dqn_atari settings plus double Q, dueling head and 3-step returns
    "tiny": Recipe(algo="dqn", steps=2048, envs=4, test_envs=2, buffer=4096, batch=16, learning_starts=256,
                   train_every=4, target_every=50, layer_norm=False, dueling=True, learning_rate=1e-4,
                   epsilon_end=0.01),
    "cpu": Recipe(algo="dqn", steps=2_000_000, envs=8, test_envs=2, buffer=200_000, learning_starts=20_000,
                  layer_norm=False, dueling=True, learning_rate=1e-4, epsilon_end=0.01),
    "gpu": Recipe(algo="dqn", steps=10_000_000, envs=8, test_envs=2, layer_norm=False, dueling=True,
                  learning_rate=1e-4, epsilon_end=0.01),
}  # fmt: skip
PRESETS = {"pqn": PQN, "dqn": DQN}


def recipe_for(preset: str, algo: str = "pqn", **overrides) -> Recipe:
    """The preset's recipe for ``algo`` with every non-None override applied (ValueError if a PQN
    rollout does not split into its minibatches)."""
    return replace(PRESETS[algo][preset], **{k: v for k, v in overrides.items() if v is not None})


def epsilon_at(recipe: Recipe, step: int) -> float:
    """Linear decay from ``epsilon_start`` to ``epsilon_end`` over the first ``epsilon_fraction`` of steps."""
    progress = min(1.0, step / max(1.0, recipe.epsilon_fraction * recipe.steps))
    return recipe.epsilon_start + progress * (recipe.epsilon_end - recipe.epsilon_start)
