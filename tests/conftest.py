"""Test-wide setup: headless runs, a quiet TensorFlow, and an optional TensorFlow blocker.

With DLDEMO_BLOCK_TENSORFLOW=1 importing tensorflow fails, as on a machine where it is not installed:
CI runs the JAX subset that way to prove that model, data and training code never need it.
"""

import importlib.abc
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["DLDEMO_HEADLESS"] = "1"


class _BlockTensorFlow(importlib.abc.MetaPathFinder):
    """Makes every import of tensorflow or tensorboard fail, as where they are not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "tensorboard"):
            raise ModuleNotFoundError(f"No module named '{name}' (blocked by DLDEMO_BLOCK_TENSORFLOW)")
        return None


if os.environ.get("DLDEMO_BLOCK_TENSORFLOW") == "1":
    sys.meta_path.insert(0, _BlockTensorFlow())


@pytest.fixture(scope="session")
def lite0_weights() -> Path:
    """The folder of the EfficientNet-Lite0 ImageNet weights under DLDEMO_DATA; the test skips without."""
    from dldemo.shared.data import dataset_path
    from dldemo.shared.errors import UserError
    from dldemo.shared.models.efficientnet_lite import DATASET

    try:
        return dataset_path(DATASET)
    except UserError as error:
        pytest.skip(f"EfficientNet-Lite0 weights not installed: {error}")
