"""run_live: headless MP4 output, window keys (with a scripted fake window), Ctrl-C, FPS meter."""

import itertools
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dldemo.shared.live import (
    FpsMeter,
    FrameSink,
    FrameSource,
    Mp4Writer,
    open_source,
    read_video_frames,
    run_live,
)
from dldemo.shared.live import loop as loop_module

SAMPLES = [(f"s{i}", np.full((96, 128, 3), 60 + 30 * i, np.uint8)) for i in range(5)]


def _invert(frame):
    return 255 - frame, ["extra line"]


@pytest.fixture
def headless(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLDEMO_HEADLESS", "1")
    return tmp_path


@pytest.mark.parametrize(("max_frames", "expected"), [(3, 3), (None, 5), (50, 5)])
def test_headless_writes_one_pass_with_hud(headless, capsys, max_frames, expected):
    path = run_live(
        app="colorize", source=open_source(None, samples=SAMPLES), process=_invert, max_frames=max_frames
    )
    assert path is not None and path.parent.name == "out" and path.name.startswith("colorize-")
    frames = read_video_frames(headless / path)
    assert len(frames) == 3 * expected  # a video holds each still 3 s (at 1 fps)
    captured = capsys.readouterr()
    assert f"wrote {path} ({3 * expected} frames)" in captured.out
    assert f"colorize: video: {expected}/{expected} (100%)" not in captured.err  # quick: no progress line
    processed = 255 - SAMPLES[0][1]
    strip = frames[0].shape[0] - processed.shape[0]  # the HUD's strip above the picture
    assert strip > 10 and frames[0].shape[1] == processed.shape[1]
    assert np.abs(frames[0][strip:].astype(int) - processed).mean() < 6  # the picture is not covered
    assert frames[0][:strip].std() > 10  # text in the strip


def test_video_source_to_explicit_output(tmp_path):
    clip = tmp_path / "clip.mp4"
    with Mp4Writer(clip, fps=10) as writer:
        for i in range(4):
            writer.write(np.full((40, 60, 3), 50 * i, np.uint8))
    out = tmp_path / "result.mp4"
    assert run_live(app="seg", source=open_source(str(clip)), process=_invert, output=out) == out
    frames = read_video_frames(out)
    assert len(frames) == 4 and frames[0].shape[1:] == (60, 3) and frames[0].shape[0] > 40  # + the HUD


def test_ctrl_c_keeps_a_valid_video(headless):
    calls = itertools.count()

    def process(frame):
        if next(calls) == 2:
            raise KeyboardInterrupt
        return frame, []

    path = run_live(app="x", source=open_source(None, samples=SAMPLES), process=process)
    assert len(read_video_frames(path)) == 2 * 3  # two stills, 3 s each


class ScriptedWindow(FrameSink):
    """A fake window: write number n (1-based) returns keys[n]; wait_key returns waits.pop(0) or None."""

    interactive = True

    def __init__(self, keys, waits=()):
        self.keys, self.waits, self.frames, self.closed = keys, list(waits), [], False

    def write(self, frame):
        self.frames.append(frame)
        return self.keys.get(len(self.frames))

    def wait_key(self, ms):
        return self.waits.pop(0) if self.waits else None

    def close(self):
        self.closed = True


def _run_window(monkeypatch, sink, keys=None):
    monkeypatch.setattr(loop_module, "open_sink", lambda *a, **k: sink)
    monkeypatch.setattr(loop_module, "STILL_SECONDS", 0.01)
    seen = []

    def process(frame):
        seen.append(int(frame[0, 0, 0]))
        return frame, []

    source = open_source(None, samples=SAMPLES[:2])
    assert run_live(app="demo", source=source, process=process, keys=keys) is None
    assert sink.closed
    return seen


def test_window_app_key_rerenders_with_status_and_stills_cycle_until_q(monkeypatch):
    toggles = []
    sink = ScriptedWindow({1: "o", 5: "q"})
    seen = _run_window(monkeypatch, sink, {"o": lambda: toggles.append(1) or "overlay 50%"})
    assert toggles == [1]
    assert seen == [60, 60, 90, 60, 90]  # "o" re-renders the first still; stills cycle; q on write 5
    assert not (sink.frames[0] == sink.frames[1]).all()  # the status line was added


def test_window_pause_holds_the_frame_and_snapshot_saves_png(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    sink = ScriptedWindow({1: "space", 4: "q"}, waits=[None, "s", None, "space"])
    seen = _run_window(monkeypatch, sink)
    assert seen == [60]  # pausing, the snapshot and resuming redraw the HUD without re-running the model
    assert len(sink.frames) == 4 and sink.frames[0].mean() != sink.frames[1].mean()  # "paused" line
    (png,) = (tmp_path / "out").glob("demo-*.png")
    assert f"saved {png.relative_to(tmp_path)}" in capsys.readouterr().out


def test_fps_meter_is_a_moving_average():
    times = iter([0.0, 0.1, 0.2, 0.25])
    meter = FpsMeter(smoothing=0.9, clock=lambda: next(times))
    meter.tick()
    assert meter.fps == 0.0
    meter.tick()
    meter.tick()
    assert meter.fps == pytest.approx(10.0)
    meter.tick()
    assert meter.fps == pytest.approx(0.9 * 10 + 0.1 * 20)


def test_warmup_processes_the_first_frame_before_the_video_starts(headless):
    seen = []

    def process(frame):
        seen.append(int(frame[0, 0, 0]))
        return frame, []

    path = run_live(
        app="x", source=open_source(None, samples=SAMPLES), process=process, warmup=2, max_frames=3
    )
    assert seen == [60, 60, 60, 90, 120]  # two warm-up calls on the first sample, then the three frames
    assert len(read_video_frames(path)) == 3 * 3


def test_a_source_may_yield_payloads_that_process_draws(headless):
    from dldemo.shared.live import FrameSource

    moments = [{"frame": np.full((32, 48, 3), 40 * i, np.uint8), "score": i} for i in range(4)]
    source = FrameSource("game", lambda: iter(moments), fps=30, count=4)
    scores = []

    def process(moment):
        scores.append(moment["score"])
        return moment["frame"], [f"score {moment['score']}"]

    path = run_live(app="x", source=source, process=process)
    assert scores == [0, 1, 2, 3] and len(read_video_frames(path)) == 4


def test_the_hud_shows_model_latency_without_warm_up_and_the_frame_rate_only_in_a_window(monkeypatch):
    clock = itertools.count(step=0.01)
    monkeypatch.setattr(loop_module.time, "perf_counter", lambda: next(clock))
    drawn = []
    monkeypatch.setattr(loop_module, "hud_strip", lambda frame, lines: drawn.append(lines) or frame)

    source = FrameSource("game", lambda: iter([np.zeros((8, 8, 3), np.uint8)] * 3), fps=30, count=3)
    run_live(app="x", source=source, process=lambda f: (f, []), output=Path(tempfile.mkdtemp()) / "v.mp4",
             key_help={"o": "overlay"})  # fmt: skip
    shown = [[line for line in lines if line] for lines in drawn]
    assert shown[0] == ["x"]  # the first frame compiled: no latency, and no FPS in a file
    assert shown[1][0] == "x" and shown[1][1].startswith("model ") and len(shown[1]) == 2  # no key help


def test_key_help_and_the_frame_rate_show_in_a_window(monkeypatch):
    drawn = []
    monkeypatch.setattr(loop_module, "hud_strip", lambda frame, lines: drawn.append(lines) or frame)
    monkeypatch.setattr(loop_module, "open_sink", lambda *a, **k: ScriptedWindow({2: "q"}))
    run_live(app="d", source=open_source(None, samples=SAMPLES[:2]), process=lambda f: (f, []),
             keys={"o": lambda: None}, key_help={"o": "overlay opacity"})  # fmt: skip
    assert "o: overlay opacity" in drawn[0] and any(line.endswith(" FPS") for line in drawn[1])
