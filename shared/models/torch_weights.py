"""PyTorch ``.pth`` state_dicts as NumPy arrays, read without PyTorch and without unpickling any object.

What it accepts: a plain state_dict, a dict of parameter name -> tensor, as ``torch.save`` writes it in either
of its two formats:

- the zip format (PyTorch 1.6 and later): ``<root>/data.pkl`` holds the dict, each storage is the raw bytes of
  the entry ``<root>/data/<key>`` (little-endian unless ``<root>/byteorder`` says ``big``);
- the legacy format (earlier versions): four pickles one after the other (magic number, protocol version,
  system info, the dict), the list of storage keys, then each storage as an int64 element count and its bytes.

The pickle may name only these globals, each mapped to a NumPy stand-in: ``collections.OrderedDict``,
``torch._utils._rebuild_tensor_v2``, ``torch._utils._rebuild_parameter`` and the typed storage classes
(``torch.FloatStorage``, ``torch.LongStorage``, ...). Any other global (a class, ``os.system``, ...) raises a
one-line UserError before anything is called, so nothing but dicts, tuples, numbers, strings and NumPy arrays
can come out. Tensors are copied out of their storage after a bounds check.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from dldemo.shared.errors import UserError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
# NumPy type codes (byte order added when read) of the storage classes a state_dict may name.
STORAGE_TYPES = {
    "DoubleStorage": "f8",
    "FloatStorage": "f4",
    "HalfStorage": "f2",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "b1",
}


@dataclass(frozen=True, slots=True)
class StorageType:
    """Stands in for a ``torch.<Type>Storage`` class: only its NumPy type code matters."""

    name: str
    code: str


@dataclass(frozen=True, slots=True)
class _StorageRef:
    """A storage named by a persistent id; its bytes are read once the pickle is done."""

    key: str
    code: str
    numel: int
    view: tuple[int, int] | None = None  # legacy views: (offset, numel) into the storage


@dataclass(frozen=True, slots=True)
class _TensorRef:
    """What ``_rebuild_tensor_v2`` returns while unpickling: a strided view to copy out of a storage."""

    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    """Stands in for ``torch._utils._rebuild_tensor_v2``."""
    if not isinstance(storage, _StorageRef):
        raise ValueError("a tensor is not built on a storage")
    return _TensorRef(storage, _int(offset), _ints(size), _ints(stride))


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *rest):
    """Stands in for ``torch._utils._rebuild_parameter``: a parameter is its tensor."""
    if not isinstance(data, _TensorRef):
        raise ValueError("a parameter does not wrap a tensor")
    return data


def _allowed() -> dict[tuple[str, str], Any]:
    allowed: dict[tuple[str, str], Any] = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }
    for name, code in STORAGE_TYPES.items():
        allowed["torch", name] = StorageType(name, code)
    return allowed


ALLOWED_GLOBALS = _allowed()
# What a malformed file can raise while it is read; each becomes a one-line UserError.
_BROKEN = (
    pickle.UnpicklingError,
    zipfile.BadZipFile,
    struct.error,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only ``ALLOWED_GLOBALS`` and hands storages to ``storage_for``."""

    def __init__(self, file: IO[bytes], source: str, storage_for=None) -> None:
        super().__init__(file)
        self._source = source
        self._storage_for = storage_for

    def find_class(self, module: str, name: str) -> Any:
        found = ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise UserError(
                f"{self._source} names {module}.{name}: refused, only plain state_dicts of tensors are read"
            )
        return found

    def persistent_load(self, pid: Any) -> Any:
        if self._storage_for is None:
            raise pickle.UnpicklingError("a storage where none is expected")
        return self._storage_for(pid)


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.pth`` state_dict as NumPy arrays, by name; UserError for anything else."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                refs, read = _zip_pickle(zf, str(path))
                return _materialise(refs, read, str(path))
        with open(path, "rb") as f:
            refs, read = _legacy_pickle(f, str(path))
            return _materialise(refs, read, str(path))
    except _BROKEN as exc:
        raise UserError(f"{path} is not a readable PyTorch state_dict ({_one_line(exc)})") from exc


def _zip_pickle(zf: zipfile.ZipFile, source: str):
    """The unpickled dict of a zip-format file, and a reader of its storages."""
    pickles = [name for name in zf.namelist() if name.endswith("/data.pkl") and name.count("/") == 1]
    if len(pickles) != 1:
        raise UserError(f"{source} is a zip but not a PyTorch checkpoint: it has no single <root>/data.pkl")
    root = pickles[0].rsplit("/", 1)[0]
    order = "<"
    if f"{root}/byteorder" in zf.namelist():
        order = ">" if zf.read(f"{root}/byteorder").strip() == b"big" else "<"

    def storage_for(pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r:.80}")
        return _storage_ref(pid[1], pid[2], pid[4])

    refs = RestrictedUnpickler(io.BytesIO(zf.read(pickles[0])), source, storage_for).load()

    def read(ref: _StorageRef) -> np.ndarray:
        entry = zf.getinfo(f"{root}/data/{ref.key}")
        if entry.file_size != ref.numel * np.dtype(ref.code).itemsize:  # checked before inflating anything
            raise UserError(f"{source}: storage {ref.key} is not {ref.numel} elements of {ref.code}")
        return _array(zf.read(entry), order + ref.code, ref.numel, source, ref.key)

    return refs, read


def _legacy_pickle(f: IO[bytes], source: str):
    """The unpickled dict of a legacy-format file, and a reader of its storages (they follow the dict)."""
    try:
        magic = RestrictedUnpickler(f, source).load()
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise UserError(f"{source} is not a PyTorch checkpoint (neither a zip nor a pickle)") from exc
    if magic != LEGACY_MAGIC:
        raise UserError(f"{source} is not a PyTorch checkpoint (wrong magic number)")
    if RestrictedUnpickler(f, source).load() != LEGACY_PROTOCOL:
        raise UserError(f"{source}: unsupported legacy PyTorch protocol version")
    sys_info = RestrictedUnpickler(f, source).load()
    order = "<" if not isinstance(sys_info, dict) or sys_info.get("little_endian", True) else ">"
    declared: dict[str, _StorageRef] = {}

    def storage_for(pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r:.80}")
        ref = _storage_ref(pid[1], pid[2], pid[4])
        if declared.setdefault(ref.key, ref) != ref:
            raise pickle.UnpicklingError(f"storage {ref.key} declared twice, differently")
        view = pid[5]
        if view is None:
            return ref
        if not (isinstance(view, tuple) and len(view) == 3):
            raise pickle.UnpicklingError(f"unexpected storage view {view!r:.80}")
        return _StorageRef(ref.key, ref.code, ref.numel, (_int(view[1]), _int(view[2])))

    refs = RestrictedUnpickler(f, source, storage_for).load()
    keys = RestrictedUnpickler(f, source).load()
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
        raise pickle.UnpicklingError("the storage key list is not a list of names")
    storages: dict[str, np.ndarray] = {}
    for key in keys:
        if key not in declared:
            raise pickle.UnpicklingError(f"storage {key} is listed but never used")
        ref = declared[key]
        (numel,) = struct.unpack(order + "q", _read_exactly(f, 8))
        if numel != ref.numel:
            raise pickle.UnpicklingError(f"storage {key} holds {numel} elements, {ref.numel} declared")
        itemsize = np.dtype(ref.code).itemsize
        storages[key] = _array(_read_exactly(f, numel * itemsize), order + ref.code, numel, source, key)

    def read(ref: _StorageRef) -> np.ndarray:
        if ref.key not in storages:
            raise pickle.UnpicklingError(f"storage {ref.key} is used but not in the file")
        return storages[ref.key]

    return refs, read


def _materialise(refs: Any, read, source: str) -> dict[str, np.ndarray]:
    """Copy every tensor of the unpickled dict out of its storage."""
    if not isinstance(refs, dict):
        raise UserError(f"{source} holds a {type(refs).__name__}, not a state_dict")
    cache: dict[str, np.ndarray] = {}
    tensors = {}
    for name, ref in refs.items():
        if not isinstance(name, str) or not isinstance(ref, _TensorRef):
            raise UserError(f"{source} holds {type(ref).__name__} under {name!r:.60}: not a plain state_dict")
        if ref.storage.key not in cache:
            cache[ref.storage.key] = read(ref.storage)
        storage = cache[ref.storage.key]
        if ref.storage.view is not None:
            start, numel = ref.storage.view
            if start < 0 or numel < 0 or start + numel > storage.size:
                raise UserError(f"{source}: tensor {name} views past the end of its storage")
            storage = storage[start : start + numel]
        tensors[name] = _copy_strided(storage, ref, f"{source}: tensor {name}")
    return tensors


def _copy_strided(storage: np.ndarray, ref: _TensorRef, what: str) -> np.ndarray:
    if len(ref.size) != len(ref.stride) or any(n < 0 for n in ref.size) or any(s < 0 for s in ref.stride):
        raise UserError(f"{what} has an invalid size {ref.size} or stride {ref.stride}")
    if 0 in ref.size:
        return np.zeros(ref.size, storage.dtype.newbyteorder("="))
    last = ref.offset + sum((n - 1) * s for n, s in zip(ref.size, ref.stride, strict=True))
    if ref.offset < 0 or last >= storage.size:
        raise UserError(f"{what} reaches past the end of its storage")
    strides = [s * storage.itemsize for s in ref.stride]
    view = np.lib.stride_tricks.as_strided(storage[ref.offset :], ref.size, strides, writeable=False)
    return np.array(view, dtype=storage.dtype.newbyteorder("="), order="C")  # a copy, in native byte order


def _storage_ref(storage_type: Any, key: Any, numel: Any) -> _StorageRef:
    if not isinstance(storage_type, StorageType):
        raise pickle.UnpicklingError(f"storage of an unknown type {storage_type!r:.80}")
    if not isinstance(key, str):
        raise pickle.UnpicklingError("a storage key is not a string")
    if _int(numel) < 0:
        raise pickle.UnpicklingError(f"storage {key} has a negative size")
    return _StorageRef(key, storage_type.code, numel)


def _array(data: bytes, dtype: str, numel: int, source: str, key: str) -> np.ndarray:
    if len(data) != numel * np.dtype(dtype).itemsize:
        raise UserError(f"{source}: storage {key} has {len(data)} bytes, not {numel} elements of {dtype}")
    return np.frombuffer(data, dtype=dtype)


def _read_exactly(f: IO[bytes], n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise EOFError("the file ends inside a storage")
    return data


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r:.40}")
    return value


def _ints(values: Any) -> tuple[int, ...]:
    if not isinstance(values, tuple):
        raise ValueError(f"expected a tuple of integers, got {values!r:.40}")
    return tuple(_int(v) for v in values)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
