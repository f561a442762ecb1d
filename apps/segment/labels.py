"""Label spaces: class names, display colours and the ignore value every loader maps void pixels to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

IGNORE = 255  # every loader maps void / unlabelled / border pixels to this id


@dataclass(frozen=True)
class LabelSpace:
    """The classes of a dataset, in id order, and the RGB colour each is painted with."""

    names: tuple[str, ...]
    colours: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.colours):
            raise ValueError(f"{len(self.names)} class names but {len(self.colours)} colours")
        if not 1 <= len(self.names) < IGNORE:
            raise ValueError(f"a label space needs 1 to {IGNORE - 1} classes, got {len(self.names)}")

    @property
    def num_classes(self) -> int:
        return len(self.names)

    @property
    def palette(self) -> np.ndarray:
        """(num_classes, 3) uint8 RGB."""
        return np.asarray(self.colours, np.uint8)

    def to_json(self) -> dict:
        return {"names": list(self.names), "colours": [list(c) for c in self.colours]}

    @classmethod
    def from_json(cls, data: dict) -> LabelSpace:
        return cls(tuple(data["names"]), tuple(tuple(int(v) for v in c) for c in data["colours"]))

    @classmethod
    def with_default_colours(cls, names: list[str] | tuple[str, ...]) -> LabelSpace:
        """Names with the Pascal VOC colour map (distinct, deterministic colours for any count)."""
        return cls(tuple(names), tuple(voc_colour(i) for i in range(len(names))))


def voc_colour(index: int) -> tuple[int, int, int]:
    """Colour `index` of the Pascal VOC colour map (bits of the index spread over R, G and B)."""
    r = g = b = 0
    for shift in range(7, -1, -1):
        r |= ((index >> 0) & 1) << shift
        g |= ((index >> 1) & 1) << shift
        b |= ((index >> 2) & 1) << shift
        index >>= 3
    return r, g, b


# The SegNet tutorial's colours for CamVid's 11 classes.
CAMVID = LabelSpace(
    names=(
        "Sky",
        "Building",
        "Pole",
        "Road",
        "Pavement",
        "Tree",
        "SignSymbol",
        "Fence",
        "Car",
        "Pedestrian",
        "Bicyclist",
    ),
    colours=(
        (128, 128, 128),
        (128, 0, 0),
        (192, 192, 128),
        (128, 64, 128),
        (60, 40, 222),
        (128, 128, 0),
        (192, 128, 128),
        (64, 64, 128),
        (64, 0, 128),
        (64, 64, 0),
        (0, 128, 192),
    ),
)
