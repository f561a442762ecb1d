"""Archive extraction (zip, tar, tar.gz/.bz2/.xz) that never writes outside its target folder."""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import IO

from dldemo.shared.errors import UserError


@dataclass(frozen=True)
class _Entry:
    """A checked archive member: ``kind`` is file, dir or link; ``link`` is the archive path it copies."""

    name: str
    kind: str
    open: Callable[[], IO[bytes]] | None = None
    link: str = ""


def safe_extract(archive: Path, target: Path) -> list[Path]:
    """Extract ``archive`` into ``target`` and return the files written.

    Every member is checked before anything is written: absolute paths, ``..`` components, device
    files and links that leave the archive raise UserError. Links that stay inside are written as
    copies of the file they point to, so no symlink is ever created.
    """
    archive, target = Path(archive), Path(target)
    with _entries(archive) as entries:
        target.mkdir(parents=True, exist_ok=True)
        root = Path(os.path.realpath(target))
        written = []
        for entry in sorted(entries, key=lambda e: e.kind == "link"):
            dest = _inside(root, entry.name, archive)
            if entry.kind == "dir":
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if entry.kind == "file" and entry.open is not None:
                with entry.open() as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            else:
                source = _inside(root, entry.link, archive)
                if not source.is_file():
                    raise UserError(
                        f"link {entry.name} in {archive} does not point to a file in it: "
                        "the archive is not supported"
                    )
                shutil.copyfile(source, dest)
            written.append(dest)
    return written


@contextmanager
def _entries(archive: Path) -> Iterator[list[_Entry]]:
    """The checked members of a zip or tar archive, open for reading."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            yield [_zip_entry(zf, info, archive) for info in zf.infolist()]
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive, "r:*") as tf:
            yield [_tar_entry(tf, info, archive) for info in tf.getmembers()]
    else:
        raise UserError(f"{archive} is not a zip or tar archive: delete it and fetch it again")


def _zip_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: Path) -> _Entry:
    name = _clean(info.filename, archive)
    mode = info.external_attr >> 16
    if info.is_dir():
        return _Entry(name, "dir")
    if stat.S_ISLNK(mode):
        return _Entry(name, "link", link=_link_target(name, zf.read(info).decode(), archive))
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: a plain file from a DOS/zip tool
        raise _unsafe(info.filename, archive, "a special file")
    return _Entry(name, "file", open=lambda: zf.open(info))


def _tar_entry(tf: tarfile.TarFile, info: tarfile.TarInfo, archive: Path) -> _Entry:
    name = _clean(info.name, archive)
    if info.isdir():
        return _Entry(name, "dir")
    if info.issym():
        return _Entry(name, "link", link=_link_target(name, info.linkname, archive))
    if info.islnk():
        return _Entry(name, "link", link=_clean(info.linkname, archive))
    if not info.isreg():
        raise _unsafe(info.name, archive, "a special file")
    return _Entry(name, "file", open=lambda: tf.extractfile(info))  # type: ignore[arg-type,return-value]


def _clean(name: str, archive: Path) -> str:
    """``name`` as a relative '/'-path; UserError if it is absolute or has a ``..`` component."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or ".." in parts:
        raise _unsafe(name, archive, "outside the target folder")
    return "/".join(p for p in parts if p not in ("", "."))


def _link_target(name: str, link: str, archive: Path) -> str:
    """The archive path a symlink at ``name`` points to; UserError if it leaves the archive."""
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), link.replace("\\", "/")))
    if posixpath.isabs(link) or PureWindowsPath(link).drive or resolved.split("/")[0] == "..":
        raise _unsafe(f"{name} -> {link}", archive, "a link outside the target folder")
    return resolved


def _inside(root: Path, name: str, archive: Path) -> Path:
    """``root / name``, after checking that no existing symlink takes it outside ``root``."""
    path = root / name
    real = Path(os.path.realpath(path))
    if real != root and root not in real.parents:
        raise _unsafe(name, archive, "outside the target folder")
    return path


def _unsafe(name: str, archive: Path, what: str) -> UserError:
    return UserError(
        f"refusing to extract {archive}: member '{name}' is {what}; "
        "the archive may be corrupt or malicious, delete it and fetch it again"
    )
