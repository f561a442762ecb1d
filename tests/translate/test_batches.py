"""Training batches: every pair once per epoch, similar lengths together, teacher forcing, exact resume."""

import numpy as np
import pytest

from dldemo.apps.translate.tokenizer import BOS
from dldemo.apps.translate.training import PairBatches, teacher_forcing
from dldemo.shared.train import LengthBatches

BUCKETS, bucket = LengthBatches.BUCKETS, LengthBatches.bucket


@pytest.fixture
def batches() -> PairBatches:
    rng = np.random.default_rng(0)
    lengths = rng.integers(2, 40, 1000)
    source = [list(range(10, 10 + n)) for n in lengths]
    target = [[*range(100 + i, 100 + i + n - 1), 2] for i, n in enumerate(rng.integers(2, 40, 1000))]
    return PairBatches(source, target, batch_size=16, seed=3)


def epoch_rows(batches: PairBatches) -> list[np.ndarray]:
    return [batches[i][0][0] for i in range(len(batches))]


def same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to extra padding columns."""
    width = min(a.shape[1], b.shape[1])
    return (a[:, :width] == b[:, :width]).all() and not a[:, width:].any() and not b[:, width:].any()


def test_every_pair_is_visited_once_per_epoch(batches: PairBatches) -> None:
    for epoch in (0, 1):
        batches.set_epoch(epoch)
        order = batches.item_order(np.random.default_rng([batches.seed, epoch]))
        assert sorted(order.tolist()) == list(range(1000))


def test_batches_group_similar_lengths(batches: PairBatches) -> None:
    batches.set_epoch(0)
    order = batches.item_order(np.random.default_rng([batches.seed, 0]))
    grouped = batches.lengths[order[:992]].reshape(-1, 16)
    shuffled = batches.lengths[np.random.default_rng(0).permutation(1000)[:992]].reshape(-1, 16)
    spread = lambda rows: np.mean(rows.max(1) - rows.min(1))  # noqa: E731
    assert spread(grouped) < 0.25 * spread(shuffled)


def test_epochs_differ_and_rebuild_identically(batches: PairBatches) -> None:
    batches.set_epoch(1)
    first = epoch_rows(batches)
    batches.set_epoch(2)
    assert not all(same_rows(a, b) for a, b in zip(first, epoch_rows(batches), strict=True))
    batches.set_epoch(1)
    batches.skip(5)
    resumed = epoch_rows(batches)
    assert all(same_rows(a, b) for a, b in zip(first[5:], resumed, strict=True))


def test_widths_are_buckets_and_the_first_batch_is_wider_than_all(batches: PairBatches) -> None:
    batches.set_epoch(0)
    widths = [rows.shape[1] for rows in epoch_rows(batches)]
    assert widths[0] > max(widths[1:])
    assert set(widths[1:]) <= set(BUCKETS)


def test_teacher_forcing_shifts_the_target_right_behind_bos() -> None:
    (source, target_in), target = teacher_forcing([[5, 6, 2]], [[7, 8, 9, 2]])
    assert source.shape == target.shape == (1, bucket(4)) and source.dtype == np.int32
    assert target_in[0, :4].tolist() == [BOS, 7, 8, 9]
    assert target[0, :4].tolist() == [7, 8, 9, 2]
    assert not target_in[0, 4:].any() and not target[0, 4:].any() and not source[0, 3:].any()
