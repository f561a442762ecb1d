"""A `dldemo serve` on a free loopback port and a headless chromium with a fake webcam, shared by the browser
tests; both skip with the reason where the 'web' extra or the system browser is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from dldemo.shared.data.samples import sample_photos

BROWSER_NAMES = ("chromium", "chromium-browser")
START_TIMEOUT_S = 240


def system_chromium() -> str | None:
    return next(filter(None, map(shutil.which, BROWSER_NAMES)), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_y4m(rgb: np.ndarray, path: Path, frames: int = 10) -> Path:
    """A still photo panning slowly (2 px a frame) as a YUV4MPEG2 clip at 10 frames/s, what chromium's fake
    webcam plays in a loop: every frame differs, like a real camera's."""
    height, width = (side - side % 2 for side in rgb.shape[:2])
    with path.open("wb") as clip:
        clip.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            frame = np.ascontiguousarray(np.roll(rgb, 2 * index, axis=1)[:height, :width])
            clip.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def webcam_browser_args(photo: np.ndarray, folder: Path) -> list[str]:
    """Chromium flags that grant camera access and make its webcam play ``photo`` in a loop."""
    clip = write_y4m(photo, folder / "webcam.y4m")
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]


@pytest.fixture(scope="session")
def served_page(tmp_path_factory) -> Iterator[str]:
    """The URL of `dldemo serve` with every app, started once for the session."""
    pytest.importorskip("gradio", reason='the browser page needs the web extra: pip install -e ".[web]"')
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from dldemo.shared.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while "ready" not in log.read_text():
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dldemo serve did not start:\n{log.read_text()}")
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless system chromium whose webcam plays a bundled photo."""
    executable = system_chromium()
    if executable is None:
        pytest.skip("no system chromium (apt-get install chromium): the browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the 'test' extra)")
    _, coffee = sample_photos(("coffee",))[0]
    args = webcam_browser_args(coffee, tmp_path_factory.mktemp("webcam"))
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=args)
        yield chromium
        chromium.close()
