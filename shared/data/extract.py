"""Archive extraction (zip, tar, tar.gz/.bz2/.xz) that never writes outside its target folder."""

from __future__ import annotations

import lzma
import os
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import IO

from dldemo.shared.errors import UserError

_CHUNK = 1 << 20
# What reading a damaged archive raises: truncated or bad data, a bad CRC, an unknown compression method.
_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
)


@dataclass(frozen=True)
class Limits:
    """How far an archive may expand: to ``total`` bytes at most, and past ``floor`` bytes to no more than
    ``ratio`` times its own size (a zip member: its compressed size), which only a zip bomb does."""

    total: int = 10_000_000_000
    ratio: int = 200
    floor: int = 100_000_000

    def allowed(self, packed: int) -> int:
        """The most bytes that ``packed`` bytes of archive may expand to."""
        return min(self.total, max(self.floor, self.ratio * packed))


LIMITS = Limits()  # the largest dataset archive, Pascal VOC 2012's, expands to 2 GB


class ArchiveError(UserError):
    """An archive that safe_extract refuses; ``problem`` says why without naming the archive."""

    def __init__(self, archive: Path, problem: str) -> None:
        super().__init__(f"refusing to extract {archive}: {problem}; delete it and fetch it again")
        self.problem = problem


@dataclass(frozen=True)
class _Entry:
    """A checked archive member: ``kind`` is file, dir or link; ``link`` is the archive path it copies."""

    name: str
    kind: str
    open: Callable[[], IO[bytes]] | None = None
    link: str = ""


def safe_extract(archive: Path, target: Path, limits: Limits = LIMITS) -> list[Path]:
    """Extract ``archive`` into ``target`` and return the files written.

    Every member is checked before anything is written: absolute paths, ``..`` components, device
    files, links that leave the archive, a path given twice and declared sizes past ``limits`` raise
    ArchiveError, a UserError. Links that stay inside are written as copies of the file they point to,
    so no symlink is ever created. The bytes written count against ``limits`` too, a damaged archive
    raises ArchiveError as well, and what a failed extraction created is removed again.
    """
    archive, target = Path(archive), Path(target)
    budget = limits.allowed(archive.stat().st_size)
    with _entries(archive, limits, budget) as entries:
        _check_paths(entries, archive)
        out = _Output(archive, target, budget)
        try:
            for entry in sorted(entries, key=lambda e: e.kind == "link"):
                out.write(entry)
        except BaseException:
            out.remove()
            raise
    return out.written


class _Output:
    """The folders and files one extraction creates under ``target``, at most ``budget`` bytes of them."""

    def __init__(self, archive: Path, target: Path, budget: int) -> None:
        self.archive, self.budget, self.left = archive, budget, budget
        self.created: list[Path] = []  # the folders and files that were not there before, oldest first
        self.written: list[Path] = []
        self._folder(target)
        self.root = Path(os.path.realpath(target))

    def write(self, entry: _Entry) -> None:
        dest = _inside(self.root, entry.name, self.archive)
        if entry.kind == "dir":
            self._folder(dest)
            return
        self._folder(dest.parent)
        with self._source(entry) as src:
            self._copy(src, dest)
        self.written.append(dest)

    def remove(self) -> None:
        """Delete what was created, newest first; a folder only if nothing else was put in it."""
        for path in reversed(self.created):
            if path.is_dir():
                with suppress(OSError):
                    path.rmdir()
            else:
                path.unlink(missing_ok=True)

    def _source(self, entry: _Entry) -> IO[bytes]:
        """The bytes of a file member, or of the file, already written, that a link copies."""
        if entry.kind == "file" and entry.open is not None:
            with _reading(self.archive):
                return entry.open()
        source = _inside(self.root, entry.link, self.archive)
        if not source.is_file():
            raise ArchiveError(self.archive, f"link '{entry.name}' does not point to a file in it")
        return open(source, "rb")

    def _folder(self, path: Path) -> None:
        if path.is_dir():
            return
        missing = [p for p in (path, *path.parents) if not os.path.lexists(p)]
        for folder in reversed(missing):
            folder.mkdir()
            self.created.append(folder)

    def _copy(self, src: IO[bytes], dest: Path) -> None:
        """Copy ``src`` to ``dest``, counting its bytes: declared sizes can lie, links are not declared."""
        if not os.path.lexists(dest):
            self.created.append(dest)
        with open(dest, "wb") as dst:
            while True:
                with _reading(self.archive):
                    chunk = src.read(_CHUNK)
                if not chunk:
                    return
                self.left -= len(chunk)
                if self.left < 0:
                    raise _too_big(self.archive, "its members", self.budget)
                dst.write(chunk)


@contextmanager
def _entries(archive: Path, limits: Limits, budget: int) -> Iterator[list[_Entry]]:
    """The checked members of a zip or tar archive, open for reading."""
    with _open(archive) as opened:
        if isinstance(opened, zipfile.ZipFile):
            yield _zip_entries(opened, archive, limits, budget)
        else:
            yield _tar_entries(opened, archive, budget)


def _open(archive: Path) -> zipfile.ZipFile | tarfile.TarFile:
    """``archive`` opened as a zip or a tar; ArchiveError if it is neither."""
    with _reading(archive):
        if zipfile.is_zipfile(archive):
            return zipfile.ZipFile(archive)
        if tarfile.is_tarfile(archive):
            return tarfile.open(archive, "r:*")
    raise ArchiveError(archive, "it is not a zip or tar archive, or it is corrupt or truncated")


def _zip_entries(zf: zipfile.ZipFile, archive: Path, limits: Limits, budget: int) -> list[_Entry]:
    """The members of ``zf``, after checking their declared sizes against ``limits``."""
    infos = zf.infolist()
    for info in infos:
        if info.file_size > limits.allowed(info.compress_size):
            raise _too_big(archive, f"member '{info.filename}'", limits.allowed(info.compress_size))
    if sum(info.file_size for info in infos) > budget:
        raise _too_big(archive, "its members", budget)
    return [_zip_entry(zf, info, archive) for info in infos]


def _zip_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: Path) -> _Entry:
    name = _clean(info.filename, archive)
    mode = info.external_attr >> 16
    if info.is_dir():
        return _Entry(name, "dir")
    if stat.S_ISLNK(mode):
        with _reading(archive):
            link = zf.read(info)
        try:
            return _Entry(name, "link", link=_link_target(name, link.decode(), archive))
        except UnicodeDecodeError:
            raise _unsafe(info.filename, archive, "a link to a path that is not UTF-8") from None
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: a plain file from a DOS/zip tool
        raise _unsafe(info.filename, archive, "a special file")
    return _Entry(name, "file", open=lambda: zf.open(info))


def _tar_entries(tf: tarfile.TarFile, archive: Path, budget: int) -> list[_Entry]:
    """The members of ``tf``, read one by one until their declared sizes exceed ``budget``."""
    entries, size = [], 0
    with _reading(archive):
        for info in tf:
            entries.append(_tar_entry(tf, info, archive))
            size += info.size if entries[-1].kind == "file" else 0
            if size > budget:
                raise _too_big(archive, "its members", budget)
    return entries


def _tar_entry(tf: tarfile.TarFile, info: tarfile.TarInfo, archive: Path) -> _Entry:
    name = _clean(info.name, archive)
    if info.isdir() or (info.isreg() and info.name.endswith("/")):  # a trailing / marks a folder, as in zips
        return _Entry(name, "dir")
    if info.issym():
        return _Entry(name, "link", link=_link_target(name, info.linkname, archive))
    if info.islnk():
        return _Entry(name, "link", link=_clean(info.linkname, archive))
    if not info.isreg():
        raise _unsafe(info.name, archive, "a special file")
    return _Entry(name, "file", open=lambda: tf.extractfile(info))  # type: ignore[arg-type,return-value]


def _check_paths(entries: list[_Entry], archive: Path) -> None:
    """UserError if two members write one path, or a file would go where a folder (or the target) is."""
    files: set[str] = set()
    folders = {""}
    for entry in entries:
        parts = entry.name.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        if entry.kind == "dir":
            folders.add(entry.name)
        elif entry.name in files:
            raise _unsafe(entry.name, archive, "in it twice")
        else:
            files.add(entry.name)
    clash = sorted(files & folders)
    if clash:
        raise _unsafe(clash[0] or ".", archive, "both a file and a folder")


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


@contextmanager
def _reading(archive: Path) -> Iterator[None]:
    """Turns what reading a damaged archive raises into ArchiveError."""
    try:
        yield
    except _READ_ERRORS as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ArchiveError(archive, f"it is corrupt, truncated or not supported ({reason})") from exc


def _unsafe(name: str, archive: Path, what: str) -> ArchiveError:
    return ArchiveError(archive, f"member '{name}' is {what}, so the archive may be corrupt or malicious")


def _too_big(archive: Path, what: str, allowed: int) -> ArchiveError:
    return ArchiveError(
        archive,
        f"{what} would expand to more than {allowed / 1e6:.1f} MB, the most allowed for it, "
        "so the archive may be corrupt or malicious (a zip bomb)",
    )
