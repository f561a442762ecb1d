"""run_live: headless MP4 output, window keys (with a scripted fake window), Ctrl-C, FPS meter."""

import itertools

import numpy as np
import pytest

from dldemo.shared.live import FpsMeter, FrameSink, Mp4Writer, open_source, read_video_frames, run_live
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
    assert len(frames) == expected
    assert f"wrote {path} ({expected} frames)" in capsys.readouterr().out
    processed = 255 - SAMPLES[0][1]
    assert np.abs(frames[0][:30, :50].astype(int) - processed[:30, :50]).mean() > 40  # HUD box and text
    assert np.abs(frames[0][-30:, -30:].astype(int) - processed[-30:, -30:]).mean() < 6  # rest untouched


def test_video_source_to_explicit_output(tmp_path):
    clip = tmp_path / "clip.mp4"
    with Mp4Writer(clip, fps=10) as writer:
        for i in range(4):
            writer.write(np.full((40, 60, 3), 50 * i, np.uint8))
    out = tmp_path / "result.mp4"
    assert run_live(app="seg", source=open_source(str(clip)), process=_invert, output=out) == out
    frames = read_video_frames(out)
    assert len(frames) == 4 and frames[0].shape == (40, 60, 3)


def test_ctrl_c_keeps_a_valid_video(headless):
    calls = itertools.count()

    def process(frame):
        if next(calls) == 2:
            raise KeyboardInterrupt
        return frame, []

    path = run_live(app="x", source=open_source(None, samples=SAMPLES), process=process)
    assert len(read_video_frames(path)) == 2


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
    assert len(read_video_frames(path)) == 3


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
