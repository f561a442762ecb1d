"""Find and load colorize weights: the shipped model, a .keras file or a run directory."""

from __future__ import annotations

from pathlib import Path

from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError

SHIPPED = ASSETS_DIR / "colorize" / "colorizer.keras"
MODEL_NAME = "colorizer"


def resolve_weights(weights: str | Path | None) -> Path:
    """--weights value -> a .keras file (a run directory gives its best, else latest, checkpoint)."""
    if weights is None:
        if not SHIPPED.exists():
            raise UserError(
                f"no shipped colorize weights at {SHIPPED}: train with `dldemo train colorize` "
                "and pass --weights runs/colorize/<run>"
            )
        return SHIPPED
    path = Path(weights)
    if path.is_dir():
        for name in ("best.keras", "checkpoint.keras"):
            if (path / name).exists():
                return path / name
        raise UserError(f"run directory {path} has no best.keras or checkpoint.keras: is it a colorize run?")
    if not path.exists():
        raise UserError(f"weights file {path} does not exist: pass a .keras file or a run directory")
    if path.suffix != ".keras":
        raise UserError(f"weights file {path} is not a .keras model: pass a .keras file or a run directory")
    return path


def load_colorizer(weights: str | Path | None = None, temperature: float | None = None):
    """A ready Colorizer; its decoding temperature comes from the settings saved beside the model."""
    import keras

    from dldemo.apps.colorize.losses import rebalanced_cross_entropy
    from dldemo.apps.colorize.model import LightnessToGrey
    from dldemo.apps.colorize.predict import DEFAULT_TEMPERATURE, Colorizer, read_settings

    path = resolve_weights(weights)
    try:
        model = keras.saving.load_model(
            path,
            safe_mode=True,
            compile=False,
            custom_objects={
                "rebalanced_cross_entropy": rebalanced_cross_entropy,
                "LightnessToGrey": LightnessToGrey,
            },
        )
    except Exception as error:  # Keras raises many types for corrupt or foreign files
        raise UserError(
            f"could not load {path} as a Keras model ({type(error).__name__}): "
            "the file is corrupt or not a dldemo checkpoint"
        ) from error
    if model.name != MODEL_NAME or model.input_shape[-1] != 1:
        raise UserError(
            f"{path} holds a '{model.name}' model with input {model.input_shape}, not colorize "
            "weights: pass weights trained with `dldemo train colorize`"
        )
    settings = read_settings(path)
    chosen = temperature if temperature is not None else settings.get("temperature", DEFAULT_TEMPERATURE)
    return Colorizer(model, chosen)
