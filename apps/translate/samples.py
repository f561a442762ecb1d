"""Bundled example sentences, so that `dldemo run translate` shows something with no input at all."""

from __future__ import annotations

from dldemo.assets import ASSETS_DIR
from dldemo.shared.errors import UserError

SAMPLES_DIR = ASSETS_DIR / "translate"


def sample_sentences(language: str) -> list[str]:
    """The bundled sentences in ``language`` (one per line in ``samples.<language>.txt``)."""
    path = SAMPLES_DIR / f"samples.{language}.txt"
    if not path.exists():
        raise UserError(
            f"no bundled sample sentences in '{language}': pass sentences as arguments or pipe them in"
        )
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
