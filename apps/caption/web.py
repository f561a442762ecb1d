"""caption's tab in `dldemo serve`: the caption, the beam's other candidates, and the paper's figure of
where each word looked."""

from __future__ import annotations

import html

import gradio as gr
import numpy as np

from dldemo.apps.caption.captioner import Captioner
from dldemo.apps.caption.figure import attention_figure
from dldemo.apps.caption.live import ALTERNATIVES, DISPLAY_SIDE, SAMPLES
from dldemo.apps.caption.recipes import BEAM
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.web.photos import panel_image, photo_tab
from dldemo.shared.web.tab import WebContext

MAX_BEAM = 8


def tab(context: WebContext) -> None:
    captioner = Captioner.from_preset(context.weights)

    def process(rgb: np.ndarray, beam: int) -> list:
        caption = captioner.caption([rgb], beam=int(beam))[0]
        others = caption.alternatives[1 : 1 + ALTERNATIVES]
        listed = "".join(f"<li>{html.escape(text)} ({score:.2f})</li>" for text, score in others)
        return [caption.text, f"<ol>{listed}</ol>" if listed else "", attention_figure(rgb, caption)]

    photo_tab(
        context,
        process=process,
        outputs=lambda: [
            gr.Textbox(label="caption", interactive=False, buttons=["copy"], elem_id="caption-text"),
            gr.HTML(label="other candidates of the beam", elem_id="caption-alternatives"),
            panel_image("where each word looked", "caption-attention"),
        ],
        controls=lambda: [gr.Slider(1, MAX_BEAM, value=BEAM, step=1, label="beam width")],
        samples=sample_photos(SAMPLES),
        max_side=DISPLAY_SIDE,
    )
