"""One call that seeds every random number generator a run uses."""

from __future__ import annotations

import keras


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator, the backend (and TF, if installed) and Keras.

    ``keras.utils.set_random_seed`` does all of these; call this before building the model so that
    weight initialisation is reproducible.
    """
    keras.utils.set_random_seed(int(seed))
