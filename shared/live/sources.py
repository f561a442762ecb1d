"""Where live frames come from: bundled samples, images, folders, globs, video files or a webcam."""

from __future__ import annotations

import glob
import math
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from dldemo.shared.data.images import IMAGE_SUFFIXES, fit_long_side, read_image
from dldemo.shared.errors import UserError
from dldemo.shared.live.environment import has_camera, open_camera
from dldemo.shared.live.panels import as_rgb

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"})
STILL_FPS = 1.0  # one image per second of output video
_HINT = "pass --source with a video, image, folder or glob, or `samples`"


class FrameSource:
    """A re-iterable stream of RGB uint8 frames.

    ``count`` is the number of frames in one pass, or None when unknown (webcam).
    Each ``iter()`` starts a new pass.
    """

    def __init__(
        self,
        name: str,
        frames: Callable[[], Iterator[np.ndarray]],
        *,
        fps: float,
        count: int | None,
        is_live: bool = False,
        is_still: bool = False,
        max_side: int | None = None,
    ) -> None:
        self.name = name
        self.fps = fps
        self.count = count
        self.is_live = is_live
        self.is_still = is_still
        self.max_side = max_side
        self._frames = frames

    def __iter__(self) -> Generator[np.ndarray, None, None]:
        for frame in self._frames():
            yield fit_long_side(frame, self.max_side)

    def __repr__(self) -> str:
        return f"FrameSource({self.name!r}, fps={self.fps:g}, count={self.count})"


def open_source(
    spec: str | int | None, *, samples: Sequence[tuple[str, np.ndarray]] = (), max_side: int | None = None
) -> FrameSource:
    """Open ``spec``: "samples" (the app's samples), a webcam index, a video, image, folder or glob.

    None means webcam 0 where there is one, else the samples (only if the app has samples).
    """
    if spec is None:
        spec = 0 if has_camera(0) or not samples else "samples"
        print(f"source: {'webcam 0' if spec == 0 else 'bundled samples'} (choose with --source)")
    if spec == "samples":
        return _samples_source(samples, max_side)
    if isinstance(spec, int) or spec.strip().isdigit():
        return _camera_source(int(spec), max_side)
    path = Path(spec).expanduser()
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not images:
            raise UserError(f"folder {path} has no images ({', '.join(sorted(IMAGE_SUFFIXES))}); {_HINT}")
        return _stills_source(path.name or str(path), images, max_side)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in VIDEO_SUFFIXES:
            return _video_source(path, max_side)
        if suffix in IMAGE_SUFFIXES:
            return _stills_source(path.name, [path], max_side)
        raise UserError(f"{path} is neither an image nor a video ({suffix or 'no suffix'}); {_HINT}")
    if glob.has_magic(spec):
        matches = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        images = [p for p in matches if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
        if not images:
            raise UserError(f"no images match {spec!r}; {_HINT}")
        return _stills_source(spec, images, max_side)
    raise UserError(f"source {spec!r} not found; {_HINT}")


def _samples_source(samples: Sequence[tuple[str, np.ndarray]], max_side: int | None) -> FrameSource:
    if not samples:
        raise UserError(f"this app has no bundled samples; {_HINT}")
    images = [as_rgb(image) for _, image in samples]
    return FrameSource(
        "samples", lambda: iter(images), fps=STILL_FPS, count=len(images), is_still=True, max_side=max_side
    )


def _stills_source(name: str, paths: list[Path], max_side: int | None) -> FrameSource:
    def frames() -> Iterator[np.ndarray]:
        return (read_image(p) for p in paths)

    return FrameSource(name, frames, fps=STILL_FPS, count=len(paths), is_still=True, max_side=max_side)


def _read(capture: cv2.VideoCapture) -> Iterator[np.ndarray]:
    """RGB frames from ``capture`` until it runs dry; releases it at the end."""
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    finally:
        capture.release()


def _fps(capture: cv2.VideoCapture, default: float) -> float:
    fps = capture.get(cv2.CAP_PROP_FPS)
    return fps if math.isfinite(fps) and fps > 0 else default


def _video_source(path: Path, max_side: int | None) -> FrameSource:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise UserError(f"cannot open video {path}: re-encode it as H.264 MP4 or {_HINT}")
    fps, count = _fps(capture, 25.0), int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    return FrameSource(
        path.name,
        lambda: _read(cv2.VideoCapture(str(path))),
        fps=fps,
        count=count if count > 0 else None,
        max_side=max_side,
    )


def _camera_source(index: int, max_side: int | None) -> FrameSource:
    capture = open_camera(index)
    if capture is None:
        raise UserError(f"camera {index} could not be opened: {_HINT}")
    unused = [capture]  # the first pass reads from the capture opened for the check

    def frames() -> Iterator[np.ndarray]:
        reader = unused.pop() if unused else open_camera(index)
        if reader is None:
            raise UserError(f"camera {index} could not be opened: {_HINT}")
        return _read(reader)

    return FrameSource(
        f"camera {index}", frames, fps=_fps(capture, 30.0), count=None, is_live=True, max_side=max_side
    )
