"""A trained agent ready to play: its Q-network, its game and the emulator settings it learned with."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from dldemo.apps.atari.envs import EnvSettings
from dldemo.apps.atari.games import action_names, resolve_game
from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_preset

SHIPPED_DIR = ASSETS_DIR / "atari"  # <game>.keras, with the run's config as <game>.json beside it


@dataclass
class Agent:
    """A Q-network and what it was trained on."""

    model: object  # keras.Model
    game: str
    settings: EnvSettings
    path: Path

    @classmethod
    def from_preset(cls, weights: str | Path | None, game: str | None = None) -> Agent:
        """The agent in ``weights`` (None: the shipped one for ``game``) for ``game`` (default: the game
        the weights were trained on, else Pong); a UserError if it cannot play that game."""
        from dldemo.apps.atari.network import MODEL_NAME, custom_objects

        requested = resolve_game(game) if game else None
        target = requested or "pong"
        shipped = SHIPPED_DIR / f"{target}.keras"
        if weights is None and not shipped.exists():
            raise UserError(
                f"no shipped agent for {target} (shipped: {', '.join(shipped_games()) or 'none'}): "
                f"train one with `dldemo train atari --game {target}` and pass --weights runs/atari/<run>"
            )
        loaded = load_preset(weights, app="atari", model_name=MODEL_NAME, custom_objects=custom_objects(),
                             what="an Atari agent", shipped=shipped)  # fmt: skip
        trained_on = loaded.settings.get("game")
        game = requested or trained_on or target
        outputs, actions = loaded.model.output_shape[-1], len(action_names(game))
        if outputs != actions:
            raise UserError(
                f"{loaded.path} chooses among {outputs} actions but {game} has {actions}"
                + (f": these weights were trained on {trained_on}" if trained_on else "")
                + f"; pass weights trained on {game}"
            )
        if trained_on and trained_on != game:
            raise UserError(
                f"{loaded.path} was trained on {trained_on}, not {game}: pass --game {trained_on}"
            )
        known = {f.name for f in fields(EnvSettings)}
        settings = EnvSettings(**{k: v for k, v in loaded.settings.get("env", {}).items() if k in known})
        return cls(loaded.model, game, settings, loaded.path)


def shipped_games() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.keras"))
