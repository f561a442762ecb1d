"""colorize's tab in `dldemo serve`: [grey input | colorized | original], as in the live view."""

from __future__ import annotations

import numpy as np

from dldemo.apps.colorize.evaluate import greyed
from dldemo.apps.colorize.live import DISPLAY_SIDE
from dldemo.apps.colorize.predict import Colorizer
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.live import side_by_side
from dldemo.shared.web.photos import panel_image, photo_tab
from dldemo.shared.web.tab import WebContext

PANELS = ["grey input", "colorized", "original"]


def tab(context: WebContext) -> None:
    colorizer = Colorizer.from_preset(context.weights)

    def process(rgb: np.ndarray) -> list[np.ndarray]:
        coloured = colorizer.colorize(rgb)
        return [side_by_side([greyed(rgb), coloured, rgb], PANELS)]

    photo_tab(
        context,
        process=process,
        outputs=lambda: [panel_image(" | ".join(PANELS), "colorize-panels")],
        samples=sample_photos(),
        max_side=DISPLAY_SIDE,
    )
