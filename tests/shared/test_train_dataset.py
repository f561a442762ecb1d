"""SeededBatches: every batch is a function of (seed, epoch, index); skip and drop_last."""

import random

import numpy as np
import pytest

from dldemo.shared.train import SeededBatches, seed_everything


class Noisy(SeededBatches):
    """Items 0..n-1; x is the item id plus augmentation noise drawn from the batch rng."""

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def num_items(self) -> int:
        return self.n

    def make_batch(self, indices, rng):
        return indices + rng.normal(size=len(indices)), indices


def _epoch(data: SeededBatches) -> list[tuple]:
    return [data[i] for i in range(len(data))]


def test_an_epoch_visits_every_item_once_in_a_seeded_order():
    data = Noisy(10, batch_size=4, seed=3)
    assert len(data) == 3
    ids = np.concatenate([y for _, y in _epoch(data)])
    assert sorted(ids) == list(range(10))
    assert list(ids) != list(range(10))
    data.set_epoch(1)
    assert list(np.concatenate([y for _, y in _epoch(data)])) != list(ids)


def test_any_batch_is_reproducible_on_its_own():
    a, b = Noisy(10, batch_size=4, seed=3), Noisy(10, batch_size=4, seed=3)
    a.set_epoch(2)
    wanted = _epoch(a)[2]
    b.set_epoch(2)
    got = b[2]  # no earlier batch was drawn from b
    np.testing.assert_array_equal(got[0], wanted[0])
    other_seed = Noisy(10, batch_size=4, seed=4)
    other_seed.set_epoch(2)
    assert not np.array_equal(other_seed[2][0], wanted[0])


def test_skip_drops_the_first_batches_until_the_next_epoch():
    data = Noisy(10, batch_size=4, seed=0)
    data.set_epoch(1)
    full = _epoch(data)
    data.skip(2)
    assert len(data) == 1
    np.testing.assert_array_equal(data[0][0], full[2][0])
    with pytest.raises(IndexError):
        data[1]
    data.set_epoch(2)
    assert len(data) == 3 and data.skipped == 0
    with pytest.raises(ValueError):
        data.skip(4)


def test_drop_last_drops_the_partial_batch():
    data = Noisy(10, batch_size=4, seed=0, drop_last=True)
    assert len(data) == 2
    assert all(len(y) == 4 for _, y in _epoch(data))


def test_seed_everything_seeds_python_and_numpy():
    seed_everything(7)
    first = (random.random(), np.random.rand())
    seed_everything(7)
    assert (random.random(), np.random.rand()) == first
