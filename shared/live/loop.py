"""The live loop every app runs: frames in, model, HUD, window or MP4 out, keys."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from dldemo.shared.live.hud import hud_strip
from dldemo.shared.live.sinks import FrameSink, Mp4Sink, open_sink, timestamped_path
from dldemo.shared.live.sources import FrameSource
from dldemo.shared.progress import Progress

STILL_SECONDS = 2.0  # how long a window shows each still image
STILL_VIDEO_SECONDS = 3.0  # how long a video holds each still image
LATENCY_WINDOW = 30  # frames in the HUD's median model latency
# One item of the source (a frame, or whatever the source yields with it) -> (picture, HUD lines).
Process = Callable[[Any], tuple[np.ndarray, list[str]]]
Key = Callable[[], str | None]


class FpsMeter:
    """Frames per second as an exponential moving average of 1/dt between ticks."""

    def __init__(self, smoothing: float = 0.9, clock: Callable[[], float] = time.perf_counter) -> None:
        self.smoothing = smoothing
        self.fps = 0.0
        self._clock = clock
        self._last: float | None = None

    def tick(self) -> None:
        now = self._clock()
        if self._last is not None and now > self._last:
            rate = 1.0 / (now - self._last)
            self.fps = rate if self.fps == 0.0 else self.smoothing * self.fps + (1 - self.smoothing) * rate
        self._last = now


class _Quit(Exception):
    """Raised inside the loop when the viewer presses q or Esc."""


class _Session:
    """State of one run_live call: the sink, counters, the last frame and the status line."""

    def __init__(self, app: str, source: FrameSource, process: Process, sink: FrameSink,
                 keys: Mapping[str, Key], key_help: Mapping[str, str], warmed: bool) -> None:  # fmt: skip
        self.app, self.source, self.process, self.sink, self.keys = app, source, process, sink, keys
        self.key_help = [f"{key}: {what}" for key, what in key_help.items()] if sink.interactive else []
        self.latencies: list[float] = []
        self.compiling = not warmed  # without a warm-up the first frame's time is mostly compilation
        self.meter = FpsMeter()
        self.frames = 0
        self.shown = np.zeros((1, 1, 3), np.uint8)  # the last frame written, for snapshots
        self.output = self.shown
        self.lines: list[str] = []
        self.status: str | None = None
        self.paused = False

    def show(self, frame: np.ndarray) -> str | None:
        """Process ``frame`` and write it with the HUD; returns the key pressed."""
        start = time.perf_counter()
        self.output, extra_lines = self.process(frame)
        if not self.compiling:
            self.latencies.append((time.perf_counter() - start) * 1000)
        self.compiling = False
        self.meter.tick()
        self.lines = [self.app, *self.figures(), *extra_lines, *self.key_help]
        return self.redraw()

    def figures(self) -> list[str]:
        """The speed lines: the render rate only in a window (a file plays at its own rate), and the
        model's latency over the last frames with compilation left out: the first frame's, and for stills
        (each of its own size, so each compiled anew) all but the fastest."""
        shown = [f"{self.meter.fps:.1f} FPS"] if self.sink.interactive and self.meter.fps > 0 else []
        if not self.latencies:
            return shown
        recent = self.latencies[-LATENCY_WINDOW:]
        steady = min(recent) if self.source.is_still else statistics.median(recent)
        return [*shown, f"model {steady:.0f} ms"]

    def redraw(self) -> str | None:
        """Write the last model output again with the current HUD (pause and status lines)."""
        paused = "paused (space resumes)" if self.paused else ""
        self.shown = hud_strip(self.output, [*self.lines, paused, self.status or ""])
        return self.sink.write(self.shown)

    def handle(self, key: str | None, frame: np.ndarray) -> None:
        """React to ``key``; app keys re-process ``frame`` so their effect shows at once."""
        if key == "q":
            raise _Quit
        if key == "space":
            self.paused = not self.paused
            key = self.redraw()
        elif key == "s":
            path = timestamped_path(self.app, ".png")
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), cv2.cvtColor(self.shown, cv2.COLOR_RGB2BGR))
            print(f"saved {path}")
            self.status = f"saved {path.name}"
            key = self.redraw()
        elif key in self.keys:
            self.status = self.keys[key]() or self.status
            key = self.show(frame)
        else:
            return
        self.handle(key, frame)

    def dwell(self, frame: np.ndarray, seconds: float) -> None:
        """Keep ``frame`` on screen for ``seconds`` (longer while paused), handling keys."""
        end = time.perf_counter() + seconds
        while self.paused or time.perf_counter() < end:
            remaining_ms = int((end - time.perf_counter()) * 1000)
            self.handle(self.sink.wait_key(50 if self.paused else max(1, min(50, remaining_ms))), frame)

    def run(self, frames: Iterator[np.ndarray], max_frames: int | None) -> bool:
        """One pass over ``frames``; True if it showed frames and ended without reaching max_frames."""
        before = self.frames
        total = min(filter(None, (self.source.count, max_frames)), default=None)
        label = None if self.sink.interactive else f"{self.app}: video"  # a window shows its own progress
        with Progress(total, label=label, unit="frame") as bar:
            for frame in frames:
                if max_frames is not None and self.frames >= max_frames:
                    return False
                started = time.perf_counter()
                self.handle(self.show(frame), frame)
                self.frames += 1
                bar.update()
                seconds = 0.0  # webcams and MP4 output run as fast as the model; paused frames stay up
                if self.sink.interactive and not self.source.is_live:
                    seconds = STILL_SECONDS if self.source.is_still else 1 / self.source.fps
                self.dwell(frame, seconds - (time.perf_counter() - started))
        return self.frames > before


def run_live(
    *,
    app: str,
    source: FrameSource,
    process: Process,
    output: str | Path | None = None,
    max_frames: int | None = None,
    keys: Mapping[str, Key] | None = None,
    key_help: Mapping[str, str] | None = None,
    warmup: int = 0,
) -> Path | None:
    """Run ``process`` on every item of ``source`` and show or record the result with a HUD.

    An item is usually a frame; a source may yield anything ``process`` understands (atari yields the
    game's moments: the screen with the Q-values behind it). ``warmup`` runs ``process`` that many times
    on the first item before the clock starts (compiling the model), so the HUD shows steady latency.

    The HUD sits in a strip above the picture (never on it): the app, the model's median latency, the
    frame rate in a window, the app's lines and, in a window, ``key_help`` ("o: overlay opacity").
    In a window: q/Esc quits, space pauses, s saves a PNG snapshot, other keys call ``keys[key]()``
    (its return value, if any, becomes a status line); stills are shown ~2 s each, cycling until q.
    Into an MP4 (``output`` given or no display): one pass with a progress bar, at most ``max_frames``
    items, each still held 3 s; the path is printed and returned. Ctrl-C stops cleanly, keeping a valid
    MP4.
    """
    _warm_up(source, process, warmup)
    hold = round(STILL_VIDEO_SECONDS * source.fps) if source.is_still else 0  # a video holds each still
    sink = open_sink(output, fps=source.fps, title=app, still_hold=hold)
    session = _Session(app, source, process, sink, dict(keys or {}), dict(key_help or {}), warmed=warmup > 0)
    passes = iter(source)
    try:
        while session.run(passes, max_frames) and sink.interactive and source.is_still:
            passes.close()
            passes = iter(source)
    except (_Quit, KeyboardInterrupt):
        pass
    finally:
        passes.close()
        path = sink.close()
    if isinstance(sink, Mp4Sink):
        print(f"wrote {path} ({sink.frames_written} frames)" if path else "no frames, no video written")
    return path


def _warm_up(source: FrameSource, process: Process, times: int) -> None:
    """Call ``process`` ``times`` times on the source's first item (the pass is closed again at once,
    releasing a webcam or video file)."""
    if not times:
        return
    items = iter(source)
    try:
        first = next(items, None)
    finally:
        items.close()
    if first is not None:
        for _ in range(times):
            process(first)
