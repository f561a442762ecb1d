"""`dldemo run caption`: every frame with the current caption, its alternatives, and where a word looked.

Captioning a frame takes longer than showing one on a small CPU, so a background thread captions the newest
frame while the video keeps flowing; each caption stays up until the next one is ready. Stills (photos,
the bundled samples) are captioned one by one. The w key steps through the words of the caption, lighting
the region each word attended to.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from dldemo.apps.caption.captioner import Caption, Captioner
from dldemo.apps.caption.figure import overlay
from dldemo.shared.data.samples import sample_photos
from dldemo.shared.live import open_source, run_live
from dldemo.shared.live.hud import font_scale, put_text, text_size, wrap_text

DISPLAY_SIDE = 640
# Bundled photos: scikit-image's; the first two show scenes like Flickr8k's, the others what it rarely has.
SAMPLES = ("camera", "stereo_motorcycle", "astronaut", "coffee", "chelsea")
CAPTION_LINES, ALTERNATIVES = 2, 3  # lines of the caption, and other beam candidates under it
TEXT_COLOR, DIM_COLOR = (255, 255, 255), (170, 170, 170)


class LiveCaptions:
    """The newest caption of a stream of frames, computed in the background (or at once with ``wait``)."""

    def __init__(self, captioner: Captioner, *, beam: int, wait: bool) -> None:
        self.captioner, self.beam, self.wait = captioner, beam, wait
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="caption")
        self.pending: Future | None = None
        self.caption: Caption | None = None
        self.latency_ms = 0.0
        self.word: int | None = None  # the word whose attention is shown
        self._timed(np.zeros((captioner.image_size,) * 2 + (3,), np.uint8))  # compile before the clock

    def _timed(self, frame: np.ndarray) -> tuple[Caption, float]:
        start = time.perf_counter()
        caption = self.captioner.caption([frame], beam=self.beam)[0]
        return caption, (time.perf_counter() - start) * 1000

    def update(self, frame: np.ndarray) -> None:
        """Collect a finished caption and start captioning ``frame`` if the worker is free."""
        if self.pending is None:
            self.pending = self.pool.submit(self._timed, frame.copy())
        if self.wait or self.pending.done():
            self.caption, self.latency_ms = self.pending.result()
            self.pending = None

    def next_word(self) -> str:
        """Show the attention of the next word (after the last: none)."""
        words = self.caption.words if self.caption else []
        self.word = 0 if self.word is None else self.word + 1
        if self.word >= len(words):
            self.word = None
            return "attention off (w: next word)"
        return f"word {self.word + 1}/{len(words)}: '{words[self.word]}' (w: next)"

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def caption_strip(caption: Caption | None, width: int) -> np.ndarray:
    """A strip of fixed height for ``width``: the caption in large type (two lines at most), then the beam's
    next best candidates with their length-normalised log-probabilities."""
    big = font_scale(width * 3 // 4) * 1.4
    small = big * 0.7
    rows = [
        (line, big, TEXT_COLOR)
        for line in wrap_text(caption.text if caption else "(captioning...)", width - 20, big)
    ]
    rows = rows[:CAPTION_LINES]
    others = caption.alternatives[1 : 1 + ALTERNATIVES] if caption else []
    rows += [(f"{text}  ({score:.2f})", small, DIM_COLOR) for text, score in others]
    pitch = {scale: sum(text_size("Ag", scale)[1:]) + 10 for scale in (big, small)}
    strip = np.full((CAPTION_LINES * pitch[big] + ALTERNATIVES * pitch[small] + 12, width, 3), 24, np.uint8)
    y = 6
    for text, scale, color in rows:
        y += pitch[scale]
        put_text(strip, text, (10, y - 8), scale, color)
    return strip


def run_caption(
    captioner: Captioner, *, source: str | None, output: str | None, max_frames: int | None, beam: int
) -> Path | None:
    """Caption a live source; without a display (or with --output) the result is an mp4."""
    frames = open_source(source, samples=sample_photos(SAMPLES), max_side=DISPLAY_SIDE)
    live = LiveCaptions(captioner, beam=beam, wait=frames.is_still)

    def process(frame: np.ndarray) -> tuple[np.ndarray, list[str]]:
        live.update(frame)
        caption, shown = live.caption, frame
        if caption is not None and live.word is not None and live.word < len(caption.attention):
            shown = overlay(frame, caption.attention[live.word])
        picture = np.vstack([shown, caption_strip(caption, frame.shape[1])])
        return picture, [f"caption {live.latency_ms:.0f} ms, beam {beam}"]

    try:
        return run_live(
            app="caption",
            source=frames,
            process=process,
            output=output,
            max_frames=max_frames,
            keys={"w": live.next_word},
            key_help={"w": "where each word looked"},
        )
    finally:
        live.close()
