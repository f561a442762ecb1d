"""sRGB <-> CIE Lab (D65) conversion for the colorize app, in NumPy/OpenCV.

L lies in [0, 100]; a and b roughly in [-110, 110] for in-gamut sRGB colours.
"""

from __future__ import annotations

import cv2
import numpy as np

L_SCALE = 50.0  # the model sees L / 50 - 1, in [-1, 1]
AB_SCALE = 110.0  # regression outputs ab / 110


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 (or float in [0, 1]) RGB image(s) -> float32 Lab, same leading shape."""
    rgb01 = rgb.astype(np.float32) / 255.0 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    return _convert(rgb01, cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float Lab image(s) -> uint8 RGB, clipped to the sRGB gamut."""
    rgb01 = _convert(lab.astype(np.float32), cv2.COLOR_Lab2RGB)
    return (np.clip(rgb01, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _convert(image: np.ndarray, code: int) -> np.ndarray:
    if image.ndim == 3:
        return cv2.cvtColor(image, code)
    flat = image.reshape(-1, *image.shape[-3:])
    out = np.stack([cv2.cvtColor(im, code) for im in flat])
    return out.reshape(image.shape)


def normalize_l(lightness: np.ndarray) -> np.ndarray:
    """L in [0, 100] -> model input in [-1, 1] with a trailing channel axis."""
    return (lightness.astype(np.float32) / L_SCALE - 1.0)[..., None]


def grey_lab(lab: np.ndarray) -> np.ndarray:
    """The same Lab image with ab = 0: the 'no colour' baseline."""
    grey = lab.copy()
    grey[..., 1:] = 0.0
    return grey


def combine(lightness: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Full-resolution L (HxW) + ab at any resolution (hxwx2) -> uint8 RGB at L's resolution."""
    height, width = lightness.shape[:2]
    if ab.shape[:2] != (height, width):
        ab = cv2.resize(ab.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    lab = np.concatenate([lightness[..., None].astype(np.float32), ab.astype(np.float32)], axis=-1)
    return lab_to_rgb(lab)
