"""Training batches that depend only on (seed, epoch, batch index), so a run can resume exactly."""

from __future__ import annotations

import math

import keras
import numpy as np

from dldemo.shared.train.cluster import process_share


class SeededBatches(keras.utils.PyDataset):
    """Base class for app training data with exact resume.

    Subclasses implement ``num_items()`` and ``make_batch(indices, rng)``; ``make_batch`` must draw
    every random number (augmentation) from ``rng`` only. Epoch ``e`` visits the items in the order
    ``item_order(default_rng([seed, e]))`` (a permutation unless a subclass overrides it) and batch ``i``
    of it gets ``default_rng([seed, e, i])``, so any batch of any epoch can be rebuilt on its own.

    ``fit`` drives the epoch with ``set_epoch`` (it must not be passed ``shuffle=True``, which would
    reorder the batches); ``skip(n)`` drops the first ``n`` batches of the current epoch once, for a
    mid-epoch resume. ``len()`` is the number of batches left in the current epoch. In a cluster each
    process builds the whole batch and keeps its share of the rows (``process_share``): the data do not
    depend on how many processes train, so a run resumes exactly on a cluster of another size.
    """

    def __init__(
        self,
        *,
        batch_size: int,
        seed: int,
        drop_last: bool = False,
        workers: int = 0,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ):
        super().__init__(
            workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size
        )
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.seed = int(seed)
        self.drop_last = drop_last
        self._epoch = 0
        self._skipped = 0
        self._order: tuple[int, np.ndarray] | None = None  # (epoch, item order), built lazily

    def num_items(self) -> int:
        """How many items one epoch visits."""
        raise NotImplementedError

    def make_batch(self, indices: np.ndarray, rng: np.random.Generator) -> tuple:
        """The ``(x, y)`` batch of the items ``indices``; all randomness must come from ``rng``."""
        raise NotImplementedError

    def item_order(self, rng: np.random.Generator) -> np.ndarray:
        """The order in which one epoch visits the items; consecutive runs of ``batch_size`` form batches."""
        return rng.permutation(self.num_items())

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def skipped(self) -> int:
        """How many batches at the start of the current epoch are skipped."""
        return self._skipped

    @property
    def batches_per_epoch(self) -> int:
        """Batches in a whole epoch, ignoring ``skip``."""
        rounding = math.floor if self.drop_last else math.ceil
        return rounding(self.num_items() / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Start epoch ``epoch`` from its first batch (this clears ``skip``)."""
        self._epoch = int(epoch)
        self._skipped = 0

    def skip(self, n: int) -> None:
        """Skip the first ``n`` batches of the current epoch (until the next ``set_epoch``)."""
        if not 0 <= n <= self.batches_per_epoch:
            raise ValueError(f"cannot skip {n} of {self.batches_per_epoch} batches")
        self._skipped = int(n)

    def __len__(self) -> int:
        return self.batches_per_epoch - self._skipped

    def __getitem__(self, index: int) -> tuple:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        batch = self._skipped + index
        indices = self._epoch_order()[batch * self.batch_size : (batch + 1) * self.batch_size]
        return process_share(self.make_batch(indices, np.random.default_rng([self.seed, self._epoch, batch])))

    def _epoch_order(self) -> np.ndarray:
        order = self._order  # read once: worker threads may call this concurrently
        if order is None or order[0] != self._epoch:
            order = (self._epoch, self.item_order(np.random.default_rng([self.seed, self._epoch])))
            self._order = order
        return order[1]


class LengthBatches(SeededBatches):
    """Batches of sequences of similar length, padded to one of a few bucket widths.

    Every epoch shuffles the items, sorts each pool of ``pool_batches`` batches by length, cuts the pools
    into batches and shuffles the batches: little padding, yet a different mix every epoch. ``make_batch``
    pads to ``self.width``: the batch's bucket, except on the first batch of every pass, which is padded
    wider than any bucket. Keras' TensorFlow adapter infers the batch shapes from the first batches, and
    this makes it keep the length dimension variable.
    """

    BUCKETS = (*range(8, 65, 4), 96, 128)  # padded lengths: few shapes to compile

    def __init__(self, lengths, *, batch_size: int, seed: int, pool_batches: int = 64):
        super().__init__(batch_size=batch_size, seed=seed)
        self.lengths = np.asarray(lengths)
        self.pool_batches = pool_batches
        self.widest = self.bucket(int(self.lengths.max())) + self.BUCKETS[0]
        self.width = self.widest

    @classmethod
    def bucket(cls, length: int) -> int:
        """The smallest bucket width that holds ``length`` (``length`` itself beyond the last)."""
        return next((b for b in cls.BUCKETS if b >= length), length)

    def num_items(self) -> int:
        return len(self.lengths)

    def item_order(self, rng: np.random.Generator) -> np.ndarray:
        order = rng.permutation(self.num_items())
        pool = self.batch_size * self.pool_batches
        for start in range(0, len(order), pool):
            chunk = order[start : start + pool]
            order[start : start + pool] = chunk[np.argsort(self.lengths[chunk], kind="stable")]
        whole = len(order) // self.batch_size * self.batch_size  # a last short batch stays last
        batches = order[:whole].reshape(-1, self.batch_size)
        return np.concatenate([batches[rng.permutation(len(batches))].ravel(), order[whole:]])

    def __getitem__(self, index: int):
        if index == 0:
            self.width = self.widest
        else:
            batch = self._skipped + index
            items = self._epoch_order()[batch * self.batch_size : (batch + 1) * self.batch_size]
            self.width = self.bucket(int(self.lengths[items].max()))
        return super().__getitem__(index)
