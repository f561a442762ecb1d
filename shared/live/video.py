"""H.264 MP4 files that play in browsers: writing (via the ffmpeg bundled with imageio-ffmpeg) and reading."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import TracebackType

import cv2
import imageio_ffmpeg
import numpy as np

# Browser-friendly H.264: 4:2:0 chroma, moov atom up front so playback starts before the download ends.
_OUTPUT_PARAMS = ["-preset", "veryfast", "-crf", "20", "-movflags", "+faststart"]


def check_frame(frame: np.ndarray) -> np.ndarray:
    """Return ``frame`` as a C-contiguous RGB uint8 HxWx3 array, or raise ValueError."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 HxWx3 frame, got {frame.dtype} {frame.shape}")
    return np.ascontiguousarray(frame)


def fit_into(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale ``frame`` to fit ``height`` x ``width`` keeping its aspect, centred on black."""
    h, w = frame.shape[:2]
    if (h, w) == (height, width):
        return frame
    scale = min(height / h, width / w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(frame, (new_w, new_h), interpolation=interpolation)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    out = np.zeros((height, width, 3), np.uint8)
    out[top : top + new_h, left : left + new_w] = resized
    return out


class Mp4Writer:
    """Write RGB frames to an H.264/yuv420p MP4; the first frame fixes the size.

    Odd sizes are padded (black, bottom/right) to even; later frames of another size are
    scaled to fit the first size. The file exists once a frame was written and is complete after close().
    """

    def __init__(self, path: str | Path, fps: float) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.frames_written = 0
        self.size: tuple[int, int] | None = None  # (height, width) of the first frame, before padding
        self._encoder = None

    def write(self, frame_rgb: np.ndarray) -> None:
        """Append one frame."""
        frame = check_frame(frame_rgb)
        if self.size is None:
            self._start(*frame.shape[:2])
        frame = fit_into(frame, *self.size)
        h, w = self.size
        if h % 2 or w % 2:
            frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)))
        self._encoder.stdin.write(np.ascontiguousarray(frame).tobytes())
        self.frames_written += 1

    def _start(self, height: int, width: int) -> None:
        self.size = (height, width)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        size = f"{width + width % 2}x{height + height % 2}"
        raw = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", f"{self.fps:g}", "-i", "-"]
        h264 = ["-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", *_OUTPUT_PARAMS]
        self._encoder = _ffmpeg(["-y", *raw, *h264, str(self.path)])

    def close(self) -> Path:
        """Finish the file (waits for ffmpeg) and return its path."""
        if self._encoder is not None:
            encoder, self._encoder = self._encoder, None
            encoder.stdin.close()
            errors = encoder.stderr.read().decode(errors="replace").strip()
            if encoder.wait():
                raise RuntimeError(f"ffmpeg could not write {self.path}: {errors.splitlines()[-1:]}")
        return self.path

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_video_frames(path: str | Path) -> list[np.ndarray]:
    """Decode every frame of a video file into RGB uint8 arrays."""
    capture = cv2.VideoCapture(str(path))
    width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    capture.release()
    decoder = _ffmpeg(["-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdin=subprocess.DEVNULL,
                      stdout=subprocess.PIPE)  # fmt: skip
    data, errors = decoder.communicate()
    if decoder.returncode or not width:
        raise ValueError(f"could not decode {path}: {errors.decode(errors='replace').strip()[-200:]}")
    return list(np.frombuffer(data, np.uint8).reshape(-1, height, width, 3).copy())


def _ffmpeg(arguments: list[str], **streams) -> subprocess.Popen:
    """The ffmpeg bundled with imageio-ffmpeg, in a session of its own: a Ctrl-C in the terminal does not
    cut its video short, and (unlike imageio-ffmpeg's ``preexec_fn``) no Python code runs between fork
    and exec, which JAX warns about as a deadlock risk in its multithreaded process."""
    streams = {"stdin": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *arguments]
    return subprocess.Popen(command, start_new_session=True, **streams)
