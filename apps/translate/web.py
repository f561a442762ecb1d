"""translate's tab in `dldemo serve`: a sentence in, its translation and the attention heatmap out."""

from __future__ import annotations

import time

import gradio as gr

from dldemo.apps.translate.attention import attention_figure
from dldemo.apps.translate.commands import BEAM
from dldemo.apps.translate.samples import sample_sentences
from dldemo.apps.translate.translator import Translator
from dldemo.shared.web.inputs import checked_text
from dldemo.shared.web.tab import WebContext

MAX_CHARS = 300  # about three Multi30k sentences; longer input is refused with a message
MAX_BEAM = 10


def tab(context: WebContext) -> None:
    translator = Translator.from_preset(context.weights)
    source, target = translator.pair.split("-")

    def translate(text: str, beam: int) -> list:
        sentence = checked_text(text, max_chars=MAX_CHARS, what=f"a sentence in '{source}'")
        start = time.perf_counter()
        translation = translator.translate([sentence], beam=int(beam))[0]
        elapsed_ms = (time.perf_counter() - start) * 1000
        return [translation.text, attention_figure(translation), f"model {elapsed_ms:.0f} ms · beam {beam}"]

    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            sentence = gr.Textbox(label=f"sentence ({source})", lines=2, elem_id="translate-sentence")
            beam = gr.Slider(1, MAX_BEAM, value=BEAM, step=1, label="beam width")
            button = gr.Button("Translate", variant="primary")
            gr.Examples(examples=[[s] for s in sample_sentences(source)], inputs=[sentence], label="samples")
        with gr.Column(scale=3):
            translation = gr.Textbox(
                label=f"translation ({target})",
                interactive=False,
                buttons=["copy"],
                elem_id="translate-output",
            )
            figure = gr.Image(
                label="attention: rows look at columns",
                format="png",
                interactive=False,
                buttons=["download", "fullscreen"],
                elem_id="translate-attention",
            )
            timing = gr.Markdown(elem_classes=["dldemo-timing"])
    limits = {"concurrency_limit": context.concurrency, "concurrency_id": context.app}
    for event in (button.click, sentence.submit):
        event(translate, [sentence, beam], [translation, figure, timing], **limits)
