"""Running the dldemo CLI inside a test."""

import os

import pytest

from dldemo.shared.cli import main

# A CLI flow whose backend-specific parts other tests cover on both backends (model, training, resume,
# video writing): it runs in the TensorFlow half of the suite only, to keep CI short.
tensorflow_half_only = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") == "jax",
    reason="backend-independent CLI flow: runs in the TensorFlow half of the suite",
)


def dldemo(*args: object) -> int:
    """Run the CLI in-process with ``args`` (converted to str); return its exit status."""
    try:
        main([str(a) for a in args])
    except SystemExit as done:
        return int(done.code or 0)
    return 0
