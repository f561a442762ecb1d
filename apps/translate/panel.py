"""Train-and-record panels: fixed validation sentences with their reference and the model's translation."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dldemo.shared.live.hud import put_text, wrap_text

WIDTH, SCALE, LINE = 960, 0.55, 26
OUTPUT_ROWS = 2  # lines for each translation, however long: every frame of a video has the same height
PAPER, INK, MUTED, OUTPUT = (250, 250, 250), (30, 30, 30), (120, 120, 120), (20, 90, 200)


class Row(NamedTuple):
    """One labelled text of a panel; ``rows`` fixes how many lines it takes (None: as many as it needs)."""

    label: str
    text: str
    colour: tuple[int, int, int]
    rows: int | None = None


def text_panel(blocks: list[list[Row]]) -> np.ndarray:
    """Blocks of rows drawn one under another, a gap between blocks. A row with a fixed number of lines is
    cut with "..." or padded to it, so panels of the same texts but other outputs have the same height."""
    lines: list[tuple[str, str, tuple[int, int, int]]] = []
    for block in blocks:
        for row in block:
            wrapped = wrap_text(row.text, WIDTH - 90, SCALE)
            if row.rows is not None:
                cut = len(wrapped) > row.rows
                wrapped = (wrapped + [""] * row.rows)[: row.rows]
                wrapped[-1] += " ..." if cut else ""
            lines += [(row.label if i == 0 else "", line, row.colour) for i, line in enumerate(wrapped)]
        lines.append(("", "", INK))
    image = np.full((LINE * len(lines) + 16, WIDTH, 3), PAPER, np.uint8)
    for i, (label, line, colour) in enumerate(lines):
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
        blocks = [
            [Row(source_language, s, INK), Row("ref", r, MUTED), Row(target_language, o, OUTPUT, OUTPUT_ROWS)]
            for s, r, o in zip(sources, references, outputs, strict=True)
        ]
        return text_panel(blocks)

    return render
