"""Find and load an Atari agent (shipped, a .keras file or a run) with the settings it was trained with."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

from dldemo.apps.atari.envs import EnvSettings
from dldemo.apps.atari.games import action_names, resolve_game
from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_keras_model, resolve_weights

SHIPPED_DIR = ASSETS_DIR / "atari"


@dataclass
class Agent:
    """A Q-network and what it was trained on."""

    model: object  # keras.Model
    game: str
    settings: EnvSettings
    path: Path


def shipped_games() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.keras"))


def saved_config(model_path: Path) -> dict:
    """<stem>.json beside the model, else its run's config.json, else {}."""
    for candidate in (model_path.with_suffix(".json"), model_path.parent / "config.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text())
    return {}


def saved_model_name(path: Path) -> str | None:
    """The model name in a .keras file's config, read without building anything (None if unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))["config"]["name"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def load_agent(weights: str | Path | None, game: str | None) -> Agent:
    """The agent for ``game`` (default: the game the weights were trained on, else Pong)."""
    from dldemo.apps.atari.network import MODEL_NAME, custom_objects

    requested = resolve_game(game) if game else None
    if weights is None:
        target = requested or "pong"
        shipped = SHIPPED_DIR / f"{target}.keras"
        if not shipped.exists():
            raise UserError(
                f"no shipped agent for {target} (shipped: {', '.join(shipped_games()) or 'none'}): "
                f"train one with `dldemo train atari --game {target}` and pass --weights runs/atari/<run>"
            )
        path = shipped
    else:
        path = resolve_weights(weights, app="atari", shipped=SHIPPED_DIR / "pong.keras")
    name = saved_model_name(path)
    if name not in (None, MODEL_NAME):
        raise UserError(
            f"{path} holds a '{name}' model, not an Atari agent: pass weights from `dldemo train atari`"
        )
    model = load_keras_model(path, custom_objects())
    config = saved_config(path)
    trained_on = config.get("game")
    game = requested or trained_on or "pong"
    actions = len(action_names(game))
    if model.output_shape[-1] != actions:
        raise UserError(
            f"{path} chooses among {model.output_shape[-1]} actions but {game} has {actions}"
            + (f": these weights were trained on {trained_on}" if trained_on else "")
            + f"; pass weights trained on {game}"
        )
    if trained_on and trained_on != game:
        raise UserError(f"{path} was trained on {trained_on}, not {game}: pass --game {trained_on}")
    known = {f.name for f in fields(EnvSettings)}
    settings = EnvSettings(**{k: v for k, v in config.get("env", {}).items() if k in known})
    return Agent(model, game, settings, path)
