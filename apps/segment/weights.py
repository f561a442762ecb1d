"""Find and load segment weights (the shipped model, a .keras file or a run directory) with their classes."""

from __future__ import annotations

import json
from pathlib import Path

from dldemo.apps.segment.labels import CAMVID, LabelSpace
from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_keras_model, resolve_weights

SHIPPED = ASSETS_DIR / "segment" / "segmenter.keras"


def saved_labels(model_path: Path, num_classes: int) -> LabelSpace:
    """The classes of a model: from <stem>.json beside it, else its run's config.json, else CamVid's
    (11 classes) or numbered names."""
    for candidate in (model_path.with_suffix(".json"), model_path.parent / "config.json"):
        if candidate.exists():
            settings = json.loads(candidate.read_text())
            if "labels" in settings:
                labels = LabelSpace.from_json(settings["labels"])
                if labels.num_classes != num_classes:
                    raise UserError(
                        f"{candidate} names {labels.num_classes} classes but {model_path} predicts "
                        f"{num_classes}: the file beside the model belongs to another model"
                    )
                return labels
    if num_classes == CAMVID.num_classes:
        return CAMVID
    return LabelSpace.with_default_colours([f"class {i}" for i in range(num_classes)])


def load_segmenter(weights: str | Path | None = None):
    """A ready Segmenter with its class names and colours."""
    from dldemo.apps.segment.model import MODEL_NAME, custom_objects
    from dldemo.apps.segment.predict import Segmenter

    path = resolve_weights(weights, app="segment", shipped=SHIPPED)
    model = load_keras_model(path, custom_objects())
    if model.name != MODEL_NAME or model.input_shape[-1] != 3:
        raise UserError(
            f"{path} holds a '{model.name}' model with input {model.input_shape}, not segment "
            "weights: pass weights trained with `dldemo train segment`"
        )
    return Segmenter(model, saved_labels(path, model.output_shape[-1]))
