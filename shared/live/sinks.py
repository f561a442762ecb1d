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
from dldemo.shared.live.video import Mp4Writer

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


def open_sink(output: str | Path | None, *, fps: float, title: str, force_video: bool = False) -> FrameSink:
    """An MP4 sink if ``output`` is given, video is forced or there is no display; else a window.

    ``output`` may be an ``.mp4`` path or a folder; by default ``out/<title>-<time>.mp4``.
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
    return Mp4Sink(path, fps)
