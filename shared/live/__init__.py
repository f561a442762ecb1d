"""Live I/O for every app: frame sources, window/MP4 sinks, HUD, panels and the live loop (no keras here)."""

from dldemo.shared.live.environment import has_camera, has_display
from dldemo.shared.live.hud import draw_hud
from dldemo.shared.live.loop import FpsMeter, run_live
from dldemo.shared.live.panels import as_rgb, grid, side_by_side
from dldemo.shared.live.sinks import FrameSink, Mp4Sink, WindowSink, open_sink
from dldemo.shared.live.sources import FrameSource, open_source, read_image
from dldemo.shared.live.video import Mp4Writer, read_video_frames

__all__ = [
    "FpsMeter",
    "FrameSink",
    "FrameSource",
    "Mp4Sink",
    "Mp4Writer",
    "WindowSink",
    "as_rgb",
    "draw_hud",
    "grid",
    "has_camera",
    "has_display",
    "open_sink",
    "open_source",
    "read_image",
    "read_video_frames",
    "run_live",
    "side_by_side",
]
