"""Find and load segment weights (the shipped model, a .keras file or a run directory) with their classes."""

from __future__ import annotations

import json
from pathlib import Path

from dldemo.apps.segment.labels import CAMVID, LabelSpace
from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError

SHIPPED = ASSETS_DIR / "segment" / "segmenter.keras"


def resolve_weights(weights: str | Path | None) -> Path:
    """--weights value -> a .keras file (a run directory gives its best, else latest, checkpoint)."""
    if weights is None:
        if not SHIPPED.exists():
            raise UserError(
                f"no shipped segment weights at {SHIPPED}: train with `dldemo train segment` "
                "and pass --weights runs/segment/<run>"
            )
        return SHIPPED
    path = Path(weights)
    if path.is_dir():
        for name in ("best.keras", "checkpoint.keras"):
            if (path / name).exists():
                return path / name
        raise UserError(f"run directory {path} has no best.keras or checkpoint.keras: is it a segment run?")
    if not path.exists():
        raise UserError(f"weights file {path} does not exist: pass a .keras file or a run directory")
    if path.suffix != ".keras":
        raise UserError(f"weights file {path} is not a .keras model: pass a .keras file or a run directory")
    return path


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
    import keras

    from dldemo.apps.segment.losses import MaskedCrossEntropy
    from dldemo.apps.segment.model import MODEL_NAME
    from dldemo.apps.segment.predict import Segmenter
    from dldemo.shared.models.squeezenet import CaffePreprocess

    path = resolve_weights(weights)
    try:
        model = keras.saving.load_model(
            path,
            safe_mode=True,
            compile=False,
            custom_objects={"MaskedCrossEntropy": MaskedCrossEntropy, "CaffePreprocess": CaffePreprocess},
        )
    except Exception as error:  # Keras raises many types for corrupt or foreign files
        raise UserError(
            f"could not load {path} as a Keras model ({type(error).__name__}): "
            "the file is corrupt or not a dldemo checkpoint"
        ) from error
    if model.name != MODEL_NAME or model.input_shape[-1] != 3:
        raise UserError(
            f"{path} holds a '{model.name}' model with input {model.input_shape}, not segment "
            "weights: pass weights trained with `dldemo train segment`"
        )
    return Segmenter(model, saved_labels(path, model.output_shape[-1]))
