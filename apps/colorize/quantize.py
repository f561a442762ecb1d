"""Quantized ab colour space of Zhang, Isola & Efros, "Colorful Image Colorization" (ECCV 2016).

The ab plane is cut into a grid of 10x10 cells; the cells that hold an sRGB colour are the
classes. Targets are soft-encoded over the 5 nearest centres with a Gaussian kernel
(sigma 5), pixels are weighted to rebalance rare colours, and predictions are decoded with the annealed mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

GRID = 10.0
NEIGHBOURS = 5
SIGMA = 5.0
_LUT_MIN = -128


def gamut_bins() -> np.ndarray:
    """(Q, 2) centres of the 10x10 ab cells that hold at least one sRGB colour.

    Found by converting a dense 64^3 sample of the sRGB cube to Lab. This gives Q = 261 with OpenCV's
    D65 Lab; the paper's own gamut estimate kept 313 cells.
    """
    if "centres" not in _GAMUT:
        axis = np.linspace(0.0, 1.0, 64, dtype=np.float32)
        cube = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 1, 3)
        ab = cv2.cvtColor(cube, cv2.COLOR_RGB2Lab).reshape(-1, 3)[:, 1:]
        cells = np.unique(np.rint(ab / GRID).astype(np.int32), axis=0)
        _GAMUT["centres"] = (cells * GRID).astype(np.float32)
    return _GAMUT["centres"]


_GAMUT: dict[str, np.ndarray] = {}


@dataclass(frozen=True)
class ABQuantizer:
    """Soft-encodes ab images into class distributions and decodes distributions back to ab."""

    centres: np.ndarray  # (Q, 2)
    weights: np.ndarray  # (Q,) class-rebalancing weights, mean 1 under the training distribution

    @classmethod
    def create(cls, prior: np.ndarray | None = None, rebalance: float = 0.5) -> ABQuantizer:
        centres = gamut_bins()
        if prior is None:
            return cls(centres, np.ones(len(centres), np.float32))
        return cls(centres, rebalancing_weights(prior, rebalance))

    @property
    def num_bins(self) -> int:
        return len(self.centres)

    def encode(self, ab: np.ndarray) -> np.ndarray:
        """(..., 2) ab -> (..., Q) soft distribution over the 5 nearest centres."""
        index, weight = self._lookup(ab)
        out = np.zeros((*ab.shape[:-1], self.num_bins), np.float32)
        np.put_along_axis(out, index, weight, axis=-1)
        return out

    def encode_weighted(self, ab: np.ndarray) -> np.ndarray:
        """Soft encoding scaled by the rebalancing weight of each pixel's nearest class."""
        index, weight = self._lookup(ab)
        out = np.zeros((*ab.shape[:-1], self.num_bins), np.float32)
        pixel_weight = self.weights[index[..., 0]][..., None]
        np.put_along_axis(out, index, weight * pixel_weight, axis=-1)
        return out

    def hard_index(self, ab: np.ndarray) -> np.ndarray:
        """(..., 2) ab -> (...,) index of the nearest centre."""
        return self._lookup(ab)[0][..., 0]

    def decode(self, probs: np.ndarray, temperature: float = 0.38) -> np.ndarray:
        """Annealed mean of class probabilities (see annealed_mean)."""
        return annealed_mean(np.log(np.clip(probs, 1e-12, None)), self.centres, temperature)

    def _lookup(self, ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx_table, w_table = _neighbour_table(self.centres.tobytes())
        cell = np.clip(np.rint(ab).astype(np.int32) - _LUT_MIN, 0, idx_table.shape[0] - 1)
        return idx_table[cell[..., 0], cell[..., 1]], w_table[cell[..., 0], cell[..., 1]]


def annealed_mean(logits: np.ndarray, centres: np.ndarray, temperature: float) -> np.ndarray:
    """Expected ab under softmax(logits / T): T=1 is the mean, T->0 the mode (Zhang et al. eq. 5)."""
    scaled = logits / temperature
    p = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return (p / p.sum(axis=-1, keepdims=True)) @ centres


_TABLES: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def _neighbour_table(key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """For every integer ab in [-128, 127]^2: the 5 nearest centres and their Gaussian weights."""
    if key not in _TABLES:
        centres = np.frombuffer(key, np.float32).reshape(-1, 2)
        axis = np.arange(_LUT_MIN, -_LUT_MIN, dtype=np.float32)
        grid = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
        dist2 = ((grid[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        index = np.argpartition(dist2, NEIGHBOURS, axis=1)[:, :NEIGHBOURS]
        index = np.take_along_axis(index, np.argsort(np.take_along_axis(dist2, index, 1), axis=1), 1)
        near = np.take_along_axis(dist2, index, 1)
        weight = np.exp(-(near - near[:, :1]) / (2 * SIGMA**2))
        weight /= weight.sum(axis=1, keepdims=True)
        size = len(axis)
        _TABLES[key] = (
            index.reshape(size, size, NEIGHBOURS).astype(np.int32),
            weight.reshape(size, size, NEIGHBOURS).astype(np.float32),
        )
    return _TABLES[key]


def rebalancing_weights(prior: np.ndarray, rebalance: float = 0.5, sigma_bins: float = 0.5) -> np.ndarray:
    """Zhang et al. eq. 4: w ~ ((1 - lambda) * smoothed prior + lambda / Q)^-1, with E_prior[w] = 1.

    The paper smooths the prior with a Gaussian of sigma 5 ab units, half a grid cell (sigma_bins=0.5).
    """
    prior = prior.astype(np.float64) / max(prior.sum(), 1e-12)
    centres = gamut_bins().astype(np.float64)
    dist2 = ((centres[:, None] - centres[None]) ** 2).sum(-1) / GRID**2
    kernel = np.exp(-dist2 / (2 * sigma_bins**2))
    smoothed = kernel @ prior / kernel.sum(axis=1)
    smoothed /= smoothed.sum()
    weights = 1.0 / ((1 - rebalance) * smoothed + rebalance / len(prior))
    weights /= (smoothed * weights).sum()
    return weights.astype(np.float32)
