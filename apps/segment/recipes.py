"""Training recipes of the segment app."""

from __future__ import annotations

from dataclasses import dataclass

ENCODERS = ("squeezenet", "efficientnet-lite0", "scratch")  # ImageNet's two, or trained from scratch
TTA_SCALES = (0.75, 1.0, 1.25)  # chosen on CamVid val: +2.3 mIoU over one pass, 1.5x wider did not pay


@dataclass(frozen=True)
class Recipe:
    """Everything that defines a training run besides the data."""

    crop: tuple[int, int]  # (height, width) of the training crops
    scales: tuple[float, float]  # random rescale range before cropping
    width: int  # decoder base width
    batch_size: int
    steps_per_epoch: int
    epochs: int
    learning_rate: float
    class_weight_power: float  # median frequency balancing exponent: 1 = SegNet's, 0 = unweighted
    val_images: int | None  # validation images scored after every epoch (None = all)
    encoder: str = "squeezenet"  # one of ENCODERS
    max_images: int | None = None  # cap on training images (the tiny preset)


PRESETS = {
    "tiny": Recipe(
        crop=(64, 64),
        scales=(0.5, 1.0),
        width=8,
        batch_size=4,
        steps_per_epoch=8,
        epochs=3,
        learning_rate=3e-3,
        class_weight_power=0.5,
        val_images=4,
        encoder="scratch",
        max_images=16,
    ),
    "cpu": Recipe(
        crop=(288, 384),
        scales=(0.75, 1.5),
        width=32,
        batch_size=8,
        steps_per_epoch=50,
        epochs=36,
        learning_rate=5e-4,
        class_weight_power=0.5,
        val_images=None,
        encoder="efficientnet-lite0",  # +4.4 val mIoU over SqueezeNet on this recipe (README)
    ),
    "gpu": Recipe(
        crop=(352, 480),
        scales=(0.5, 2.0),
        width=48,
        batch_size=16,
        steps_per_epoch=100,
        epochs=100,
        learning_rate=1e-3,
        class_weight_power=0.5,
        val_images=None,
        encoder="efficientnet-lite0",
    ),
}
