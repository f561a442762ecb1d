"""Train-and-record panels: fixed validation sentences with their reference and the model's translation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dldemo.shared.live.hud import put_text, wrap_text

WIDTH, SCALE, LINE = 960, 0.55, 26
PAPER, INK, MUTED, OUTPUT = (250, 250, 250), (30, 30, 30), (120, 120, 120), (20, 90, 200)


def text_panel(blocks: list[list[tuple[str, str, tuple[int, int, int]]]]) -> np.ndarray:
    """Blocks of (label, text, colour) rows drawn one under another, a gap between blocks."""
    rows: list[tuple[str, str, tuple[int, int, int]]] = []
    for block in blocks:
        for label, text, colour in block:
            for i, line in enumerate(wrap_text(text, WIDTH - 90, SCALE)):
                rows.append((label if i == 0 else "", line, colour))
        rows.append(("", "", INK))
    image = np.full((LINE * len(rows) + 16, WIDTH, 3), PAPER, np.uint8)
    for i, (label, line, colour) in enumerate(rows):
        y = 28 + i * LINE
        put_text(image, label, (12, y), SCALE, MUTED)
        put_text(image, line, (80, y), SCALE, colour)
    return image


def render_translations(sources: list[str], references: list[str], pair: str) -> Callable:
    """A function model -> RGB panel of [source / reference / greedy translation] for train-and-record."""
    from dldemo.apps.translate.translator import Translator

    source_language, target_language = pair.split("-")

    def render(model) -> np.ndarray:
        outputs = [t.text for t in Translator(model).translate(sources, beam=1)]
        return text_panel(
            [
                [(source_language, s, INK), ("ref", r, MUTED), (target_language, o, OUTPUT)]
                for s, r, o in zip(sources, references, outputs, strict=True)
            ]
        )

    return render
