"""Find and load colorize weights: the shipped model, a .keras file or a run directory."""

from __future__ import annotations

from pathlib import Path

from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_keras_model, resolve_weights

SHIPPED = ASSETS_DIR / "colorize" / "colorizer.keras"
MODEL_NAME = "colorizer"


def load_colorizer(weights: str | Path | None = None, temperature: float | None = None):
    """A ready Colorizer; its decoding temperature comes from the settings saved beside the model."""
    from dldemo.apps.colorize.losses import rebalanced_cross_entropy
    from dldemo.apps.colorize.model import LightnessToGrey
    from dldemo.apps.colorize.predict import DEFAULT_TEMPERATURE, Colorizer, read_settings

    path = resolve_weights(weights, app="colorize", shipped=SHIPPED)
    model = load_keras_model(
        path, {"rebalanced_cross_entropy": rebalanced_cross_entropy, "LightnessToGrey": LightnessToGrey}
    )
    if model.name != MODEL_NAME or model.input_shape[-1] != 1:
        raise UserError(
            f"{path} holds a '{model.name}' model with input {model.input_shape}, not colorize "
            "weights: pass weights trained with `dldemo train colorize`"
        )
    settings = read_settings(path)
    chosen = temperature if temperature is not None else settings.get("temperature", DEFAULT_TEMPERATURE)
    return Colorizer(model, chosen)
