"""segment: every pixel gets a class (a SqueezeNet U-Net on CamVid's 11 road-scene classes, mIoU)."""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="segment",
    description="Semantic segmentation: a U-Net paints every pixel by class (CamVid, mIoU)",
    commands_module="dldemo.apps.segment.commands",
    weights=ASSETS_DIR / "segment" / "segmenter.keras",
)
