"""Find and load a translator (the shipped model, a .keras file or a run directory)."""

from __future__ import annotations

from pathlib import Path

from dldemo.apps.translate.translator import Translator
from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_keras_model, resolve_weights

SHIPPED = ASSETS_DIR / "translate" / "translator.keras"


def load_translator(weights: str | Path | None = None, pair: str | None = None) -> Translator:
    """A ready Translator; with ``pair``, the model must translate that language pair."""
    from dldemo.apps.translate.model import MODEL_NAME, custom_objects

    path = resolve_weights(weights, app="translate", shipped=SHIPPED)
    model = load_keras_model(path, custom_objects())
    if model.name != MODEL_NAME:
        raise UserError(f"{path} holds a '{model.name}' model, not a translator: pass translate weights")
    translator = Translator(model)
    if pair and pair != translator.pair:
        raise UserError(f"{path} translates {translator.pair}, not {pair}: pass --pair {translator.pair}")
    return translator
