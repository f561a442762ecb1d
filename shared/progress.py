"""Progress of long loops: a bar with rate and ETA on a terminal, a plain line every 30 s otherwise.

A terminal gets one line redrawn in place (at most 10 times a second); a log or CI gets a line like
``epoch 2/10: 120/200 (60%), 3.1 batch/s, ETA 0:26, loss 2.314`` at most every ``every`` seconds, so a
long loop is never silent and never floods the log. The rate counts from the first item done, so a
first step that compiles the model does not drag the estimate.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

Item = TypeVar("Item")
BAR_WIDTH = 24
REDRAW_SECONDS = 0.1


class Progress:
    """``update()`` after each item of a loop of ``total`` items (None: unknown; ``done`` of them already
    are); ``close()`` at the end. Without a ``label`` it counts silently (a library loop whose caller did
    not ask to show it)."""

    def __init__(
        self,
        total: int | None,
        *,
        label: str | None,
        unit: str = "item",
        done: int = 0,
        stream: TextIO | None = None,
        every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.label, self.unit, self.every, self.clock = total, label, unit, every, clock
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.done = done
        self._first: tuple[float, int] | None = None  # (when, count) at the first update
        self.started = self._last_shown = clock()
        self._drawn = False

    def update(self, n: int = 1, describe: Callable[[], str] | None = None) -> None:
        """``n`` more items done; ``describe()`` (called only when a line is shown) adds e.g. the loss."""
        self.done += n
        now = self.clock()
        if self._first is None:
            self._first = (now, self.done)
        if self.label is None or now - self._last_shown < (REDRAW_SECONDS if self.terminal else self.every):
            return
        self._last_shown = now
        line = self.line(now, describe() if describe else "")
        if self.terminal:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def line(self, now: float, extra: str = "") -> str:
        """What the progress looks like at time ``now``."""
        rate = self.rate(now)
        if self.total:
            fraction = min(1.0, self.done / self.total)
            filled = round(fraction * BAR_WIDTH)
            bar = f" [{'#' * filled}{'.' * (BAR_WIDTH - filled)}]" if self.terminal else ""
            parts = [f"{self.label}:{bar} {self.done}/{self.total} ({fraction:.0%})"]
        else:
            parts = [f"{self.label}: {self.done}"]
        if rate:
            parts.append(f"{rate:.3g} {self.unit}/s")
            if self.total and self.done < self.total:
                parts.append(f"ETA {_clock_time((self.total - self.done) / rate)}")
        if extra:
            parts.append(extra)
        return ", ".join(parts)

    def rate(self, now: float) -> float | None:
        """Items per second since the first one was done (None until there is a span to measure)."""
        if self._first is None or now <= self._first[0] or self.done <= self._first[1]:
            return None
        return (self.done - self._first[1]) / (now - self._first[0])

    def elapsed(self) -> float:
        """Seconds since the loop began."""
        return self.clock() - self.started

    def close(self, summary: str | None = None) -> None:
        """Clear the bar; print ``summary`` (if given) as the loop's one lasting line."""
        if self._drawn:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + " " * width + "\r")
            self._drawn = False
        if summary:
            self.stream.write(summary + "\n")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(
    items: Iterable[Item], *, label: str, total: int | None = None, unit: str = "item", **kwargs
) -> Iterator[Item]:
    """Yield ``items`` while showing their progress (``total`` defaults to ``len(items)`` if it has one)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    with Progress(total, label=label, unit=unit, **kwargs) as bar:
        for item in items:
            yield item
            bar.update()


def _clock_time(seconds: float) -> str:
    """3725 -> "1:02:05", 75 -> "1:15"."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
