"""Which backend the command line loads: the one asked for, else TensorFlow, else JAX when only JAX is
installed; a missing backend is one line naming the extras."""

import pytest

from dldemo.shared import backend
from dldemo.shared.errors import UserError


def installed(monkeypatch, *packages: str) -> None:
    monkeypatch.setattr(backend, "find_spec", lambda name: object() if name in packages else None)


def test_tensorflow_by_default_and_jax_when_only_jax_is_installed(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "")  # unset, and put back afterwards
    installed(monkeypatch, "tensorflow", "jax")
    assert backend.choose_backend() == "tensorflow"
    installed(monkeypatch, "jax")
    assert backend.choose_backend() == "jax"
    assert backend.os.environ["KERAS_BACKEND"] == "jax"  # so that Keras loads it too


def test_a_backend_that_is_not_installed_names_the_extras(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "")  # unset, and put back afterwards
    installed(monkeypatch)
    with pytest.raises(UserError, match=r"'tensorflow' is not installed: pip install -e '\.\[cpu\]'"):
        backend.choose_backend()
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    installed(monkeypatch, "tensorflow")
    with pytest.raises(UserError, match="'jax' is not installed.*'.\\[jax-gpu\\]'"):
        backend.choose_backend()
