"""ALE game names: accept the usual spellings (pong, Pong, ALE/Pong-v5, PongNoFrameskip-v4)."""

from __future__ import annotations

import re

from dldemo.shared.errors import UserError


def all_games() -> list[str]:
    """Every game whose ROM ships with ale-py, as snake_case ids."""
    from ale_py import roms

    return sorted(roms.get_all_rom_ids())


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def resolve_game(name: str) -> str:
    """The ALE id of ``name`` (``"ALE/SpaceInvaders-v5"`` -> ``"space_invaders"``); else a UserError."""
    stem = name.strip().split("/")[-1]
    stem = re.sub(r"(NoFrameskip|Deterministic)?-v\d+$", "", stem)
    candidates = {_snake(stem), stem.lower().replace("-", "_"), stem.lower()}
    games = all_games()
    for candidate in candidates:
        if candidate in games:
            return candidate
    squashed = {game.replace("_", ""): game for game in games}
    key = stem.lower().replace("_", "").replace("-", "")
    if key in squashed:
        return squashed[key]
    raise UserError(f"unknown Atari game '{name}': choose one of {', '.join(games)}")


def display_name(game: str) -> str:
    """``"space_invaders"`` -> ``"Space Invaders"``."""
    return game.replace("_", " ").title()


def open_rom(game: str):
    """An ``ALEInterface`` with ``game`` loaded (quiet)."""
    from ale_py import ALEInterface, LoggerMode, roms

    ALEInterface.setLoggerMode(LoggerMode.Error)
    ale = ALEInterface()
    ale.loadROM(roms.get_rom_path(game))
    return ale


def action_names(game: str) -> list[str]:
    """The game's minimal action set, in the order the agent's outputs use (``["NOOP", "FIRE", ...]``)."""
    return [action.name for action in open_rom(game).getMinimalActionSet()]
