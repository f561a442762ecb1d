"""Is there a screen to draw on and a camera to read from? Both checks are cheap and never raise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2

HEADLESS_ENV = "DLDEMO_HEADLESS"


def _cv2_has_gui() -> bool:
    """True unless this OpenCV build reports no GUI backend (as opencv-python-headless does)."""
    for line in cv2.getBuildInformation().splitlines():
        key, _, value = line.strip().partition(":")
        if key == "GUI":
            return value.strip() not in ("", "NONE")
    return True


def has_display() -> bool:
    """True if windows can be shown: ``DLDEMO_HEADLESS=1`` forces False; on Linux a DISPLAY is needed."""
    if os.environ.get(HEADLESS_ENV, "").strip().lower() in ("1", "true", "yes"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and _cv2_has_gui()


def open_camera(index: int) -> cv2.VideoCapture | None:
    """An opened capture that has delivered a frame, or None (no device, busy, or no permission)."""
    if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
        return None  # spares OpenCV's multi-line warnings for a device that is not there
    try:
        capture = cv2.VideoCapture(index)
        if capture.isOpened() and capture.read()[0]:
            return capture
        capture.release()
    except Exception:  # a broken driver must not crash the check
        return None
    return None


def has_camera(index: int = 0) -> bool:
    """True if webcam ``index`` opens and delivers a frame."""
    capture = open_camera(index)
    if capture is None:
        return False
    capture.release()
    return True
