"""Which Keras backend the command line loads, and a clear error when none is installed."""

from __future__ import annotations

import os
from importlib.util import find_spec

from dldemo.shared.errors import UserError

INSTALL_HINT = (
    "pip install -e '.[cpu]' (TensorFlow on the CPU), '.[gpu]' (TensorFlow on NVIDIA GPUs), "
    "'.[jax]' or '.[jax-gpu]'"
)


def choose_backend() -> str:
    """The backend Keras will load: ``KERAS_BACKEND``, else TensorFlow, else JAX when only JAX is
    installed (set in ``KERAS_BACKEND`` then); a UserError when its package is not installed."""
    backend = os.environ.get("KERAS_BACKEND")
    if not backend and find_spec("tensorflow") is None and find_spec("jax") is not None:
        os.environ["KERAS_BACKEND"] = backend = "jax"
    backend = backend or "tensorflow"
    if backend in ("tensorflow", "jax", "torch") and find_spec(backend) is None:
        raise UserError(f"the Keras backend '{backend}' is not installed: {INSTALL_HINT}")
    return backend
