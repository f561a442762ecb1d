"""A trained agent ready to play: its Q-network, its game and the emulator settings it learned with."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from dldemo.apps.atari.envs import EnvSettings
from dldemo.apps.atari.games import action_names, all_games, resolve_game
from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import LoadedModel, load_preset

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
        trained_on = loaded.setting("game", str)
        if trained_on is not None and trained_on not in all_games():
            raise loaded.bad_setting("game", trained_on, "an ALE game id such as 'pong'")
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
        return cls(loaded.model, game, saved_env_settings(loaded), loaded.path)


def saved_env_settings(loaded: LoadedModel) -> EnvSettings:
    """The emulator settings saved with an agent ("env"; defaults where absent), each of its field's type."""

    def kind(default: object) -> type | tuple[type, ...]:
        return (int, float) if isinstance(default, float) else type(default)

    return EnvSettings(
        **{f.name: loaded.setting(f"env.{f.name}", kind(f.default), f.default) for f in fields(EnvSettings)}
    )


def shipped_games() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.keras"))
