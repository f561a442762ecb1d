"""colorize: grey photo in, colour photo out (Zhang et al. 2016 on a small U-Net).

Read it like a keras-io example, in this order: `lab` (sRGB <-> CIE Lab: the network sees L and predicts
ab), `quantize` (the 261 in-gamut ab cells, soft-encoded targets, class rebalancing, the annealed mean),
`data` (any colour photo is a training pair: random crops, L in, ab cells out; black-and-white photos
dropped), `model` and `losses` (the U-Net on an EfficientNet-Lite0, SqueezeNet or scratch encoder,
rebalanced cross-entropy), `recipes` and `training` (the presets and their photos, the run scored on
validation PSNR after every epoch), `predict` (the `Colorizer`: `from_preset`, decoding at temperature T
with a chroma gain, full-resolution output), `metrics` and `evaluate` (PSNR against the grey baseline,
SSIM, colourfulness), `live` (the `dldemo run` view), then `bench` and `commands` (the CLI verbs).
"""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="colorize",
    description="Image colorization: a U-Net predicts the colours of grey photos (PSNR, SSIM, colourfulness)",
    commands_module="dldemo.apps.colorize.commands",
    web_module="dldemo.apps.colorize.web",
    weights=ASSETS_DIR / "colorize" / "colorizer.keras",
)
