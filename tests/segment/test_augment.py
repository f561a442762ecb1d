"""Augmentation keeps masks aligned with their images, never blends class ids and pads with IGNORE."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dldemo.apps.segment.augment import augment, flip, jitter, scale_crop
from dldemo.apps.segment.labels import IGNORE

COLOURS = np.asarray([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)], np.uint8)
BLOCK = 12


def blocks(seed: int = 0, shape: tuple[int, int] = (5, 7)) -> tuple[np.ndarray, np.ndarray]:
    """(image, mask) of BLOCK-pixel squares of random classes 0-3 and IGNORE; the image paints class c
    in COLOURS[c] and IGNORE in COLOURS[4]. The layout has no symmetry, so a lone flip would show."""
    ids = np.random.default_rng(seed).integers(0, 5, shape)
    mask = np.where(ids == 4, IGNORE, ids).astype(np.uint8).repeat(BLOCK, 0).repeat(BLOCK, 1)
    image = COLOURS[np.where(mask == IGNORE, 4, mask)]
    return image, mask


def interior(mask: np.ndarray, radius: int = 2) -> np.ndarray:
    """Pixels whose (2 radius + 1)-square neighbourhood, inside the mask, has one class: away from
    resize-blended edges, including those just outside a crop."""
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    inside = np.zeros(mask.shape, bool)
    for value in np.unique(mask):
        inside |= (
            cv2.erode((mask == value).astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
            > 0
        )
    return inside


@pytest.mark.parametrize("seed", range(12))
def test_scale_crop_and_flip_keep_mask_on_its_image(seed: int) -> None:
    image, mask = blocks(seed)
    rng = np.random.default_rng(seed)
    out_image, out_mask = scale_crop(image, mask, rng, crop=(48, 64), scales=(0.5, 2.0))
    out_image, out_mask = flip(out_image, out_mask, rng)
    assert out_image.shape == (48, 64, 3) and out_mask.shape == (48, 64) and out_image.dtype == np.uint8
    check = interior(out_mask) & (out_mask != IGNORE)
    assert check.sum() > 200  # enough pixels to mean something
    expected = COLOURS[out_mask[check]].astype(int)
    assert np.abs(out_image[check].astype(int) - expected).max() <= 2


def test_a_flip_flips_image_and_mask_together() -> None:
    image, mask = blocks()
    flipped = [flip(image, mask, np.random.default_rng(seed)) for seed in range(8)]
    assert {np.array_equal(m, mask[:, ::-1]) for _, m in flipped} == {True, False}  # both outcomes seen
    for out_image, out_mask in flipped:
        mirrored = np.array_equal(out_mask, mask[:, ::-1])
        np.testing.assert_array_equal(out_image, image[:, ::-1] if mirrored else image)
        np.testing.assert_array_equal(out_mask, mask[:, ::-1] if mirrored else mask)


def test_masks_are_resized_without_blending() -> None:
    mask = np.zeros((40, 40), np.uint8)
    mask[:, 13:] = 200  # linear blending of 0 and 200 would invent values in between
    mask[25:, :20] = 7
    image = np.zeros((40, 40, 3), np.uint8)
    for seed in range(20):
        _, out = scale_crop(image, mask, np.random.default_rng(seed), crop=(32, 32), scales=(0.3, 3.0))
        assert set(np.unique(out).tolist()) <= {0, 7, 200, IGNORE}


def test_crop_beyond_the_scaled_image_is_padded_with_ignore() -> None:
    image, mask = blocks(shape=(2, 3))  # 24x36
    mask[mask == IGNORE] = 1
    out_image, out_mask = scale_crop(image, mask, np.random.default_rng(0), crop=(40, 50), scales=(1.0, 1.0))
    np.testing.assert_array_equal(out_mask[:24, :36], mask)
    np.testing.assert_array_equal(out_image[:24, :36], image)
    assert (out_mask[24:] == IGNORE).all() and (out_mask[:, 36:] == IGNORE).all()
    assert (out_image[24:] == 0).all() and (out_image[:, 36:] == 0).all()


def test_jitter_changes_pixels_but_not_shape_or_type() -> None:
    image = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    out = jitter(image, np.random.default_rng(1))
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.mean(out != image) > 0.5
    np.testing.assert_array_equal(jitter(image, np.random.default_rng(1), strength=0.0), image)


def test_same_seed_same_augmentation() -> None:
    image, mask = blocks()
    runs = [
        augment(image, mask, np.random.default_rng(s), crop=(32, 40), scales=(0.5, 1.5)) for s in (5, 5, 6)
    ]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])
    assert runs[0][1].flags.c_contiguous and runs[0][1].dtype == np.uint8
