"""Export a trained model for shipping: no optimizer state, weights rounded to float16 precision and
stored compressed, still a plain ``.keras`` file that ``keras.saving.load_model`` reads in safe mode.

The weights stay float32 in the file (so the model computes in float32 on every backend), but rounding
them to the nearest float16 zeroes 13 of their 23 mantissa bits, which HDF5's shuffle + gzip filters
then squeeze out: about half the size of the float32 file.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np

from dldemo.shared.train.checkpoint import atomic_path

WEIGHTS_MEMBER = "model.weights.h5"


def round_to_float16(values: np.ndarray) -> np.ndarray:
    """Float arrays rounded to the nearest float16 value (kept in their own dtype); others unchanged."""
    if values.dtype.kind != "f":
        return values
    finite = np.finfo(np.float16).max
    return np.clip(values, -finite, finite).astype(np.float16).astype(values.dtype)


def _copy_compressed(source: h5py.Group, target: h5py.Group) -> None:
    target.attrs.update(source.attrs)
    for name, item in source.items():
        if isinstance(item, h5py.Group):
            _copy_compressed(item, target.create_group(name))
            continue
        values = item[()]
        if isinstance(values, np.ndarray) and values.size > 1:
            copy = target.create_dataset(
                name, data=round_to_float16(values), compression="gzip", compression_opts=9, shuffle=True
            )
        else:
            copy = target.create_dataset(name, data=values)
        copy.attrs.update(item.attrs)


def export_compact(model: keras.Model, path: str | Path) -> Path:
    """Save ``model`` without optimizer state and with compressed float16-precision weights, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        plain = Path(work) / "plain.keras"
        inference = keras.Model(model.inputs, model.outputs, name=model.name)  # drops the optimizer
        inference.save(plain)
        with (
            zipfile.ZipFile(plain) as archive,
            atomic_path(path) as tmp,
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as packed,
        ):
            for member in archive.infolist():
                if member.filename != WEIGHTS_MEMBER:
                    packed.writestr(member, archive.read(member))
                    continue
                original, compact = Path(work) / "original.h5", Path(work) / "compact.h5"
                original.write_bytes(archive.read(member))
                with h5py.File(original, "r") as source, h5py.File(compact, "w") as target:
                    _copy_compressed(source, target)
                packed.write(compact, WEIGHTS_MEMBER)
    return path
