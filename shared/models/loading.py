"""Find and load an app's trained model: the shipped file, a .keras file or a run directory."""

from __future__ import annotations

from pathlib import Path

from dldemo.shared.errors import UserError


def resolve_weights(weights: str | Path | None, *, app: str, shipped: Path) -> Path:
    """--weights value -> a .keras file (a run directory gives its best, else latest, checkpoint)."""
    if weights is None:
        if not shipped.exists():
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


def load_keras_model(path: Path, custom_objects: dict):
    """The model in a .keras file, loaded in safe mode without its training state; UserError if unreadable."""
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False, custom_objects=custom_objects)
    except Exception as error:  # Keras raises many types for corrupt or foreign files
        raise UserError(
            f"could not load {path} as a Keras model ({type(error).__name__}): "
            "the file is corrupt or not a dldemo checkpoint"
        ) from error
