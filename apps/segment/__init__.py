"""segment: every pixel gets a class (a SqueezeNet U-Net on CamVid's 11 road-scene classes, mIoU).

Read it like a keras-io example, in this order: `labels` (the classes, their colours, void = 255),
`datasets` (CamVid, Pascal VOC, Oxford-IIIT Pet or a folder, as image and class-id mask pairs), `augment`
(scale-crop, flip and jitter that move image and mask together), `model` (the U-Net: SqueezeNet encoder,
DeepLabV3+-style decoder, full-size logits), `losses` (cross-entropy that skips void pixels, median
frequency class weights), `recipes` and `training` (the presets, seeded batches, the run scored on
validation mIoU after every epoch), `predict` (the `Segmenter`: loading, padding, segmenting a smaller
copy, test-time augmentation, painting), `metrics` and `evaluate` (one confusion matrix over a split: IoU,
mIoU, pixel accuracy), `live` and `samples` (the `dldemo run` view with its legend), then `bench` and
`commands` (the CLI verbs).
"""

from dldemo.assets import ASSETS_DIR
from dldemo.shared.apps import App

APP = App(
    name="segment",
    description="Semantic segmentation: a U-Net paints every pixel by class (CamVid, mIoU)",
    commands_module="dldemo.apps.segment.commands",
    web_module="dldemo.apps.segment.web",
    weights=ASSETS_DIR / "segment" / "segmenter.keras",
)
