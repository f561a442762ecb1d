"""Self-supervised colorization data: any colour photo is a training pair (L -> ab)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from dldemo.apps.colorize.lab import AB_SCALE, normalize_l, rgb_to_lab
from dldemo.apps.colorize.quantize import ABQuantizer
from dldemo.shared.models.unet import OUTPUT_STRIDE

WORKING_SIDE = 256  # images are seen with their long side at this size, in training and inference
MIN_CHROMA = 4.0  # mean |ab| below this: a black-and-white photo, useless as a colour target


def mean_chroma(rgb: np.ndarray) -> float:
    lab = rgb_to_lab(rgb)
    return float(np.hypot(lab[..., 1], lab[..., 2]).mean())


def keep_colour_images(images: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Drop black-and-white and sepia photos, which teach a colorizer to output no colour."""
    return [im for im in images if mean_chroma(im) >= MIN_CHROMA]


def random_crop(rgb: np.ndarray, crop: int, rng: np.random.Generator) -> np.ndarray:
    """Random scale (0.8-1.25), crop of crop x crop (padding by reflection if needed) and horizontal flip."""
    scale = float(np.exp(rng.uniform(np.log(0.8), np.log(1.25))))
    height, width = rgb.shape[:2]
    size = (max(crop, round(width * scale)), max(crop, round(height * scale)))
    image = cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)
    top = int(rng.integers(0, image.shape[0] - crop + 1))
    left = int(rng.integers(0, image.shape[1] - crop + 1))
    image = image[top : top + crop, left : left + crop]
    return image[:, ::-1] if rng.random() < 0.5 else image


def ab_target(lab: np.ndarray) -> np.ndarray:
    """ab at the network's output resolution (1/4), area-averaged."""
    height, width = lab.shape[:2]
    size = (width // OUTPUT_STRIDE, height // OUTPUT_STRIDE)
    return cv2.resize(np.ascontiguousarray(lab[..., 1:]), size, interpolation=cv2.INTER_AREA)


def make_batch(
    images: Sequence[np.ndarray],
    indices: np.ndarray,
    rng: np.random.Generator,
    *,
    crop: int,
    quantizer: ABQuantizer | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Random crops of the chosen images -> (L input, target); classification if a quantizer is given."""
    labs = np.stack([rgb_to_lab(random_crop(images[i], crop, rng)) for i in indices])
    inputs = normalize_l(labs[..., 0])
    ab = np.stack([ab_target(lab) for lab in labs])
    if quantizer is None:
        return inputs, ab / AB_SCALE
    return inputs, quantizer.encode_weighted(ab)


def ab_prior(images: Sequence[np.ndarray], quantizer: ABQuantizer) -> np.ndarray:
    """Empirical distribution of the quantized ab classes over the images (at the output resolution)."""
    counts = np.zeros(quantizer.num_bins, np.float64)
    for image in images:
        index = quantizer.hard_index(ab_target(rgb_to_lab(image)))
        counts += np.bincount(index.ravel(), minlength=quantizer.num_bins)
    return counts / counts.sum()
