"""Colorize photos with a trained network: L at the working size in, full-resolution RGB out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from dldemo.apps.colorize.data import WORKING_SIDE
from dldemo.apps.colorize.lab import AB_SCALE, combine, normalize_l, rgb_to_lab
from dldemo.apps.colorize.quantize import gamut_bins
from dldemo.shared.data import fit_long_side
from dldemo.shared.models.loading import load_preset
from dldemo.shared.models.unet import DOWNSAMPLE

DEFAULT_TEMPERATURE = 0.38  # Zhang et al. 2016
DEFAULT_CHROMA_GAIN = 1.0  # the predicted ab as they are
PAD_MULTIPLE = 4 * DOWNSAMPLE  # few distinct input shapes, so compiled predict functions are reused


class AnnealedMean(layers.Layer):
    """Logits over ab classes -> expected ab under softmax(logits / T)."""

    def __init__(self, centres: np.ndarray, temperature: float, **kwargs):
        super().__init__(**kwargs)
        self.centres = ops.convert_to_tensor(centres, dtype="float32")
        self.temperature = float(temperature)

    def call(self, logits):
        return ops.matmul(ops.softmax(logits / self.temperature, axis=-1), self.centres)


@dataclass
class Colorizer:
    """A trained colorize network with its decoding settings."""

    model: keras.Model
    temperature: float = DEFAULT_TEMPERATURE
    chroma_gain: float = DEFAULT_CHROMA_GAIN  # ab x this: colour back that averaging washed out

    @property
    def mode(self) -> str:
        return "regression" if self.model.output_shape[-1] == 2 else "classification"

    def __post_init__(self) -> None:
        self._build_decoder()

    @classmethod
    def from_preset(
        cls,
        weights: str | Path | None = None,
        temperature: float | None = None,
        chroma_gain: float | None = None,
    ) -> Colorizer:
        """The shipped colorizer, a run's or a .keras file's; the decoding temperature and chroma gain
        default to the ones saved beside the model."""
        from dldemo.apps.colorize.losses import rebalanced_cross_entropy
        from dldemo.apps.colorize.model import MODEL_NAME, LightnessToGrey

        loaded = load_preset(
            weights,
            app="colorize",
            model_name=MODEL_NAME,
            custom_objects={
                "rebalanced_cross_entropy": rebalanced_cross_entropy,
                "LightnessToGrey": LightnessToGrey,
            },
        )
        saved = {}
        for name, default in (("temperature", DEFAULT_TEMPERATURE), ("chroma_gain", DEFAULT_CHROMA_GAIN)):
            saved[name] = loaded.setting(name, (int, float), default)
            if not saved[name] > 0:  # also NaN: decoding would divide by it or lose every colour
                raise loaded.bad_setting(name, saved[name], "a positive number")
        return cls(
            loaded.model,
            saved["temperature"] if temperature is None else temperature,
            saved["chroma_gain"] if chroma_gain is None else chroma_gain,
        )

    def _build_decoder(self) -> None:
        outputs = self.model.outputs[0]
        if self.mode == "regression":
            ab = layers.Rescaling(AB_SCALE, name="ab")(outputs)
        else:
            ab = AnnealedMean(gamut_bins(), self.temperature, name="ab")(outputs)
        ab = layers.Rescaling(self.chroma_gain, name="chroma_gain")(ab)
        self._decoder = keras.Model(self.model.inputs, ab, name="colorize_decoder")

    def predict_ab(self, rgb: np.ndarray) -> np.ndarray:
        """ab (at the network's output size) of one RGB or grey photo seen at the working size."""
        return self._predict(self._decoder, rgb)

    def predict_logits(self, rgb: np.ndarray) -> np.ndarray:
        """The network's raw output (class logits, or ab / 110 for regression) for one photo."""
        return self._predict(self.model, rgb)

    @staticmethod
    def _predict(network: keras.Model, rgb: np.ndarray) -> np.ndarray:
        small = rgb_to_lab(fit_long_side(rgb, WORKING_SIDE, enlarge=True))[..., 0]
        height, width = small.shape
        pad_h, pad_w = -height % PAD_MULTIPLE, -width % PAD_MULTIPLE
        padded = np.pad(small, ((0, pad_h), (0, pad_w)), mode="reflect")
        out = np.asarray(network.predict_on_batch(normalize_l(padded)[None]))[0]
        stride = padded.shape[0] // out.shape[0]
        return out[: -(-height // stride), : -(-width // stride)]

    def colorize(self, rgb: np.ndarray) -> np.ndarray:
        """Full-resolution RGB: the photo's own L with the predicted ab."""
        return combine(rgb_to_lab(rgb)[..., 0], self.predict_ab(rgb))
