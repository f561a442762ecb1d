"""The shared photo tab of the image apps: a webcam stream, an upload and the bundled samples in, the app's
own panels out, with the model time beside them.

An app gives a ``process(rgb, *control_values)`` function returning its output values, and builders for
its output components and extra controls (an opacity slider, a beam width); the tab wires both inputs to
it under the app's concurrency limit, shrinks pictures before the model and before they are sent back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import gradio as gr
import numpy as np

from dldemo.shared.web.inputs import as_photo, read_upload, shrink
from dldemo.shared.web.tab import WebContext

OUTPUT_SIDE = 960  # pictures sent back to the browser are at most this long
STREAM_EVERY_S = 0.1  # the webcam sends a frame this often (at most 10 frames/s reach the model)
WARMUP_SAMPLES = 2  # TensorFlow traces twice: for the first shape, then with relaxed shapes
STREAM_SECONDS = 300  # a webcam stream holds one of the app's slots this long, then the user restarts it


def panel_image(label: str, elem_id: str) -> gr.Image:
    """An output picture whose titles are drawn into it (so no label badge covers them): JPEG, with
    download and full-screen buttons."""
    return gr.Image(
        label=label,
        format="jpeg",
        interactive=False,
        buttons=["download", "fullscreen"],
        show_label=False,
        elem_id=elem_id,
    )


def write_samples(samples: Sequence[tuple[str, np.ndarray]], folder: Path) -> list[str]:
    """The bundled sample photos as JPEG files in ``folder`` (examples in the page are files)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rgb in samples:
        path = folder / f"{name}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(str(path))
    return paths


def photo_tab(
    context: WebContext,
    *,
    process: Callable[..., Sequence],
    outputs: Callable[[], list[gr.Component]],
    samples: Sequence[tuple[str, np.ndarray]],
    max_side: int,
    controls: Callable[[], list[gr.Component]] | None = None,
) -> None:
    """Lay out [webcam, photo, controls, samples | outputs, model time] and wire both inputs to ``process``;
    ``max_side`` is the long side pictures are shrunk to before the model sees them."""

    def timed(rgb: np.ndarray, *values) -> list:
        start = time.perf_counter()
        results = list(process(rgb, *values))
        elapsed_ms = (time.perf_counter() - start) * 1000
        sent = [shrink(r, OUTPUT_SIDE) if isinstance(r, np.ndarray) and r.ndim == 3 else r for r in results]
        return [*sent, f"model {elapsed_ms:.0f} ms · picture {rgb.shape[1]}x{rgb.shape[0]}"]

    def from_webcam(frame: np.ndarray | None, *values) -> list:
        if frame is None:
            return [gr.skip()] * (len(shown) + 1)
        return timed(shrink(as_photo(frame), max_side), *values)

    def from_upload(upload: dict | None, *values) -> list:
        """The upload as the browser sent it (not preprocessed: Gradio would decode any file in full)."""
        if not upload or not upload.get("path"):  # the photo was cleared
            return [gr.skip()] * (len(shown) + 1)
        return timed(read_upload(upload["path"], max_side), *values)

    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            webcam = gr.Image(
                sources=["webcam"],
                streaming=True,
                type="numpy",
                label="webcam",
                elem_id=f"{context.app}-webcam",
            )
            upload = gr.Image(
                sources=["upload", "clipboard"],
                type="filepath",
                label="photo",
                elem_id=f"{context.app}-photo",
            )
            extra = controls() if controls else []
            gr.Examples(
                examples=[[p] for p in write_samples(samples, context.files / "samples")],
                inputs=[upload],
                label="samples (click one)",
            )
        with gr.Column(scale=3):
            shown = outputs()
            timing = gr.Markdown(elem_classes=["dldemo-timing"], elem_id=f"{context.app}-timing")
    results = [*shown, timing]
    for _, rgb in samples[:WARMUP_SAMPLES]:  # compile now, not on the first visitor's photo
        process(shrink(rgb, max_side), *(control.value for control in extra))
    limits = {"concurrency_limit": context.concurrency, "concurrency_id": context.app}
    webcam.stream(
        from_webcam,
        [webcam, *extra],
        results,
        stream_every=STREAM_EVERY_S,
        time_limit=STREAM_SECONDS,
        show_progress="hidden",
        **limits,
    )
    upload.change(from_upload, [upload, *extra], results, preprocess=False, **limits)
    for control in extra:
        control.change(
            from_upload, [upload, *extra], results, preprocess=False, show_progress="hidden", **limits
        )
