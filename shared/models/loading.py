"""One way to load an app's trained model, in the spirit of KerasHub's ``from_preset``.

``load_preset(weights, app=..., model_name=...)`` takes what the user passed as ``--weights`` (nothing:
the shipped file; a run folder: its best, else latest, checkpoint; or a ``.keras`` file), checks that the
file holds this app's model before building anything from it, loads it in safe mode (no code is
unpickled) and returns it with the settings saved beside it (``<stem>.json``, or a run's ``config.json``).
Whatever is wrong with these files (not a zip, a crafted config, settings of the wrong shape) is a one-line
UserError naming the file, never a traceback.
"""

from __future__ import annotations

import json
import reprlib
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dldemo.shared.errors import UserError


@dataclass
class LoadedModel:
    """A trained model, the file it came from and the settings saved with it (read from ``settings_path``)."""

    model: object  # keras.Model (keras is imported only when loading)
    path: Path
    settings: dict = field(default_factory=dict)
    settings_path: Path | None = None

    def setting(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        """The saved setting ``key`` ("env.sticky": inside "env"), ``default`` if absent; UserError naming
        the settings file if it is not a ``kind`` (a JSON true/false is not a number)."""
        parent, _, name = key.rpartition(".")
        scope = self.setting(parent, dict, {}) if parent else self.settings
        if name not in scope:
            return default
        value = scope[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.bad_setting(key, value, " or ".join(k.__name__ for k in kinds))
        return value

    def bad_setting(self, key: str, value: object, expected: str) -> UserError:
        """The UserError for a saved setting ``key`` whose ``value`` is not ``expected``."""
        return UserError(
            f"{self.settings_path} has {key}={reprlib.repr(value)}, not {expected}: "
            "restore the file or delete it"
        )


def resolve_weights(weights: str | Path | None, *, app: str, shipped: Path | None = None) -> Path:
    """--weights value -> a .keras file (a run directory gives its best, else latest, checkpoint)."""
    if weights is None:
        from dldemo.shared.apps import get_app

        shipped = shipped or get_app(app).weights
        if shipped is None or not shipped.exists():
            raise UserError(
                f"no shipped {app} weights at {shipped}: train with `dldemo train {app}` "
                f"and pass --weights runs/{app}/<run>"
            )
        return shipped
    path = Path(weights)
    if path.is_dir():
        for name in ("best.keras", "checkpoint.keras"):
            if (path / name).exists():
                return path / name
        raise UserError(f"run directory {path} has no best.keras or checkpoint.keras: is it a {app} run?")
    if not path.exists():
        raise UserError(f"weights file {path} does not exist: pass a .keras file or a run directory")
    if path.suffix != ".keras":
        raise UserError(f"weights file {path} is not a .keras model: pass a .keras file or a run directory")
    return path


def saved_model_name(path: Path) -> str | None:
    """The model name in a .keras file's config, read without building anything (None if unreadable or
    not a string: Keras then decides whether the file loads)."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = json.loads(archive.read("config.json"))["config"]["name"]
    # RuntimeError: an encrypted entry, an unsupported compression method, JSON nested too deep
    except (OSError, EOFError, KeyError, TypeError, ValueError, RuntimeError, zipfile.BadZipFile, zlib.error):
        return None
    return name if isinstance(name, str) else None


def settings_path(model_path: Path) -> Path | None:
    """The settings file saved with a model: ``<stem>.json`` beside it, else its run's ``config.json``."""
    candidates = (model_path.with_suffix(".json"), model_path.parent / "config.json")
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def read_settings(model_path: Path) -> dict:
    """The settings saved with a model (see ``settings_path``), else {}.

    UserError if the file exists but is not a readable JSON object.
    """
    path = settings_path(model_path)
    if path is None:
        return {}
    try:
        settings = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as error:  # ValueError: bad JSON or UTF-8
        raise UserError(f"{path} is unreadable ({type(error).__name__}): restore it or delete it") from None
    if not isinstance(settings, dict):
        raise UserError(f"{path} is not a JSON object: restore it or delete it")
    return settings


def load_keras_model(path: Path, custom_objects: Mapping | None = None):
    """The model in a .keras file, loaded in safe mode without its training state; UserError if unreadable."""
    import keras

    try:
        return keras.saving.load_model(
            path, safe_mode=True, compile=False, custom_objects=dict(custom_objects or {})
        )
    except Exception as error:  # Keras raises many types for corrupt or foreign files
        raise UserError(
            f"could not load {path} as a Keras model ({type(error).__name__}): "
            "the file is corrupt or not a dldemo checkpoint"
        ) from error


def load_preset(
    weights: str | Path | None,
    *,
    app: str,
    model_name: str,
    custom_objects: Mapping | None = None,
    what: str | None = None,
    shipped: Path | None = None,
) -> LoadedModel:
    """Load ``app``'s model from ``--weights`` (default: ``shipped``, else the app's shipped weights).

    A file holding another model than ``model_name`` is a UserError naming ``what`` it should hold
    (default "<app> weights") before anything is built from it.
    """
    path = resolve_weights(weights, app=app, shipped=shipped)

    def check(name: str | None) -> None:
        if name is not None and name != model_name:
            raise UserError(
                f"{path} holds a {reprlib.repr(name)} model, not {what or f'{app} weights'}: "
                f"pass weights trained with `dldemo train {app}`"
            )

    check(saved_model_name(path))
    model = load_keras_model(path, custom_objects)
    check(model.name)
    return LoadedModel(model, path, read_settings(path), settings_path(path))
