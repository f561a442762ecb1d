"""Training augmentation of (image, mask) pairs: random scale-crop, flip and photometric jitter.

Masks are resized with nearest neighbour (a class id is never blended) and padded with IGNORE, so every
geometric change moves image and mask together and no invented pixel is ever scored.
"""

from __future__ import annotations

import cv2
import numpy as np

from dldemo.apps.segment.labels import IGNORE


def scale_crop(
    image: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    crop: tuple[int, int],
    scales: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Rescale by a log-uniform factor in `scales`, pad to at least `crop` (h, w), take a random crop."""
    scale = float(np.exp(rng.uniform(np.log(scales[0]), np.log(scales[1]))))
    height, width = mask.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST_EXACT)
    pad_h, pad_w = max(0, crop[0] - size[1]), max(0, crop[1] - size[0])
    if pad_h or pad_w:
        image = cv2.copyMakeBorder(image, 0, pad_h, 0, pad_w, cv2.BORDER_CONSTANT, value=0)
        mask = cv2.copyMakeBorder(mask, 0, pad_h, 0, pad_w, cv2.BORDER_CONSTANT, value=IGNORE)
    top = int(rng.integers(0, mask.shape[0] - crop[0] + 1))
    left = int(rng.integers(0, mask.shape[1] - crop[1] + 1))
    window = (slice(top, top + crop[0]), slice(left, left + crop[1]))
    return image[window], mask[window]


def flip(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right with probability 1/2."""
    if rng.random() < 0.5:
        return image[:, ::-1], mask[:, ::-1]
    return image, mask


def jitter(image: np.ndarray, rng: np.random.Generator, strength: float = 0.25) -> np.ndarray:
    """Random brightness, contrast and saturation (each scaled by up to +-strength); uint8 in and out."""
    pixels = image.astype(np.float32)
    brightness, contrast, saturation = rng.uniform(1 - strength, 1 + strength, size=3)
    pixels *= brightness
    mean = pixels.mean()
    pixels = (pixels - mean) * contrast + mean
    grey = pixels @ np.asarray([0.299, 0.587, 0.114], np.float32)
    pixels = (pixels - grey[..., None]) * saturation + grey[..., None]
    return np.clip(pixels + 0.5, 0, 255).astype(np.uint8)


def augment(
    image: np.ndarray,
    mask: np.ndarray,
    rng: np.random.Generator,
    crop: tuple[int, int],
    scales: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """The full training augmentation of one pair."""
    image, mask = scale_crop(image, mask, rng, crop, scales)
    image, mask = flip(image, mask, rng)
    return jitter(image, rng), np.ascontiguousarray(mask)
