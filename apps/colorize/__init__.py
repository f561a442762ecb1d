"""colorize: grey photo in, colour photo out (Zhang et al. 2016 on a small U-Net)."""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="colorize",
    description="Image colorization: a U-Net predicts the colours of grey photos (PSNR, SSIM, colourfulness)",
    commands_module="dldemo.apps.colorize.commands",
    weights=ASSETS_DIR / "colorize" / "colorizer.keras",
)
