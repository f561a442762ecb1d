"""segment's tab in `dldemo serve`: the picture painted by class at a chosen opacity, and the legend with
each class's share of the picture."""

from __future__ import annotations

import html

import gradio as gr
import numpy as np

from dldemo.apps.segment.labels import LabelSpace
from dldemo.apps.segment.live import DISPLAY_SIDE, OPACITIES, class_shares
from dldemo.apps.segment.predict import Segmenter, overlay
from dldemo.apps.segment.samples import sample_photos
from dldemo.shared.web.photos import panel_image, photo_tab
from dldemo.shared.web.tab import WebContext


def legend_html(labels: LabelSpace, shares: np.ndarray) -> str:
    """The legend as HTML: a swatch, the class name and its share of the picture, biggest share first."""
    rows = []
    for index in np.argsort(-shares, kind="stable"):
        red, green, blue = (int(c) for c in labels.palette[index])
        rows.append(
            f'<div class="dldemo-legend-row"><span style="display:inline-block;width:1em;height:1em;'
            f'background:rgb({red},{green},{blue});margin-right:0.5em;vertical-align:middle"></span>'
            f"{html.escape(labels.names[index])} {100 * shares[index]:.0f}%</div>"
        )
    return f'<div class="dldemo-legend">{"".join(rows)}</div>'


def tab(context: WebContext) -> None:
    segmenter = Segmenter.from_preset(context.weights)

    def process(rgb: np.ndarray, opacity: float) -> list:
        labels = segmenter.segment(rgb)
        shares = class_shares(labels, segmenter.labels.num_classes)
        painted = overlay(rgb, labels, segmenter.labels.palette, opacity)
        return [painted, legend_html(segmenter.labels, shares)]

    photo_tab(
        context,
        process=process,
        outputs=lambda: [
            panel_image("segmented", "segment-painted"),
            gr.HTML(label="legend", elem_id="segment-legend"),
        ],
        controls=lambda: [gr.Slider(0.0, 1.0, value=OPACITIES[0], step=0.05, label="overlay opacity")],
        samples=sample_photos(),
        max_side=DISPLAY_SIDE,
    )
