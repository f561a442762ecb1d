"""Where live frames go: a window (with key presses) or an MP4 file."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import cv2
import numpy as np

from dldemo.shared.errors import UserError
from dldemo.shared.live.environment import has_display
from dldemo.shared.live.video import Mp4Writer, fit_into

OUT_DIR = Path("out")


class FrameSink:
    """Takes RGB frames; ``write`` returns the key pressed meanwhile ("q", "space", "s", ...) or None."""

    interactive = False  # True when someone watches and can press keys

    def write(self, frame: np.ndarray) -> str | None:
        raise NotImplementedError

    def wait_key(self, ms: int) -> str | None:
        """Wait up to ``ms`` milliseconds for a key (a file sink returns None at once)."""
        return None

    def close(self) -> Path | None:
        """Finish; returns the written file, if any."""
        return None


class Mp4Sink(FrameSink):
    """Frames into an H.264 MP4 at ``fps``."""

    def __init__(self, path: str | Path, fps: float) -> None:
        self.writer = Mp4Writer(path, fps)

    @property
    def frames_written(self) -> int:
        return self.writer.frames_written

    def write(self, frame: np.ndarray) -> str | None:
        self.writer.write(frame)
        return None

    def close(self) -> Path | None:
        """The MP4's path, or None if no frame was written (then no file exists)."""
        path = self.writer.close()
        return path if self.frames_written else None


class SlideshowSink(Mp4Sink):
    """Still images into an MP4: each held ``hold`` frames, all fitted into the one frame size, among the
    stills' own sizes, that leaves the least empty band area. It is chosen from the first ``look_ahead``
    stills (held in memory until then), so a landscape photo after a portrait one is not shrunk into the
    portrait's frame."""

    def __init__(self, path: str | Path, fps: float, *, hold: int, look_ahead: int = 64) -> None:
        super().__init__(path, fps)
        self.hold, self.look_ahead = hold, look_ahead
        self.pending: list[np.ndarray] = []
        self.size: tuple[int, int] | None = None

    def write(self, frame: np.ndarray) -> str | None:
        if self.size is not None:
            self._hold(frame)
            return None
        self.pending.append(frame)
        if len(self.pending) >= self.look_ahead:
            self._flush()
        return None

    def close(self) -> Path | None:
        if self.pending:
            self._flush()
        return super().close()

    def _flush(self) -> None:
        self.size = least_banded_size([frame.shape[:2] for frame in self.pending])
        for frame in self.pending:
            self._hold(frame)
        self.pending = []

    def _hold(self, frame: np.ndarray) -> None:
        fitted = fit_into(frame, *self.size)
        for _ in range(self.hold):
            super().write(fitted)


def least_banded_size(sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """The (height, width) among ``sizes`` into which the others fit (scaled, aspect kept) with the least
    empty area in all."""

    def empty(canvas: tuple[int, int]) -> float:
        height, width = canvas
        return sum(1 - min(height / h, width / w) ** 2 * h * w / (height * width) for h, w in sizes)

    return min(sizes, key=empty)


SYSTEM_FONTS = "/usr/share/fonts/truetype"


class WindowSink(FrameSink):
    """Frames shown in an OpenCV window; Esc and closing the window count as "q"."""

    interactive = True

    def __init__(self, title: str) -> None:
        self.title = title
        # opencv-python points Qt at a font folder it does not ship, and Qt warns on every window.
        if not Path(os.environ.get("QT_QPA_FONTDIR", "")).is_dir() and Path(SYSTEM_FONTS).is_dir():
            os.environ["QT_QPA_FONTDIR"] = SYSTEM_FONTS
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)
        self._shown = False

    def write(self, frame: np.ndarray) -> str | None:
        if not self._shown:
            cv2.resizeWindow(self.title, frame.shape[1], frame.shape[0])
            self._shown = True
        cv2.imshow(self.title, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        return self.wait_key(1)

    def wait_key(self, ms: int) -> str | None:
        code = cv2.waitKey(max(1, ms))
        if cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "q"
        return key_name(code)

    def close(self) -> Path | None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)  # lets the GUI thread process the close
        return None


def key_name(code: int) -> str | None:
    """cv2.waitKey's code as a name: None (no key), "q" (q or Esc), "space", or the character."""
    if code < 0:
        return None
    code &= 0xFF
    if code == 27:
        return "q"
    if code == 32:
        return "space"
    return chr(code).lower() if 32 < code < 127 else None


def timestamped_path(stem: str, suffix: str, folder: Path = OUT_DIR) -> Path:
    """``folder/<stem>-<YYYYmmdd-HHMMSS><suffix>``, with -2, -3, ... appended if it exists."""
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("-") or "dldemo"
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = folder / f"{base}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{base}-{n}{suffix}"
    return path


def open_sink(
    output: str | Path | None, *, fps: float, title: str, force_video: bool = False, still_hold: int = 0
) -> FrameSink:
    """An MP4 sink if ``output`` is given, video is forced or there is no display; else a window.

    ``output`` may be an ``.mp4`` path or a folder; by default ``out/<title>-<time>.mp4``. With
    ``still_hold`` the frames are stills, each held that many frames (a ``SlideshowSink``).
    """
    if output is None and not force_video and has_display():
        return WindowSink(title)
    if output is None:
        path = timestamped_path(title, ".mp4")
    else:
        path = Path(output).expanduser()
        if path.is_dir() or not path.suffix:
            path = timestamped_path(title, ".mp4", path)
        elif path.suffix.lower() != ".mp4":
            raise UserError(f"output {path} must be an .mp4 file or a folder, e.g. --output out/{title}.mp4")
    return SlideshowSink(path, fps, hold=still_hold) if still_hold else Mp4Sink(path, fps)
