"""Downloading and verifying datasets: pinned URLs, SHA-256 checks (MD5 for the archives published with
only an MD5), atomic writes."""

from __future__ import annotations

import hashlib
import http.client
import os
import posixpath
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dldemo.shared.data.extract import ArchiveError, safe_extract
from dldemo.shared.data.registry import DatasetSpec, Source, get_spec
from dldemo.shared.data.root import ENV_VAR, data_root, dataset_path, not_installed
from dldemo.shared.errors import UserError
from dldemo.shared.files import new_file_mode

_CHUNK = 1 << 16
_TIMEOUT_S = 60
_NETWORK_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    TimeoutError,
    ConnectionError,
    ssl.SSLError,
)
_RETRY = f"run the fetch again, or copy the data from a machine that has it and point {ENV_VAR} at it"


@dataclass
class VerifyReport:
    """The outcome of checking an installed dataset against its registry entry."""

    name: str
    folder: Path
    ok: int = 0
    unhashed: int = 0  # present, but the source publishes no checksum to check them against
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.mismatched

    def summary(self) -> str:
        """One line, e.g. ``bsds500: 300 ok, 2 missing (val/1.jpg, val/2.jpg)``."""
        parts = [f"{self.ok} ok"]
        if self.unhashed:
            parts.append(f"{self.unhashed} present but unchecked (the source publishes no checksums)")
        for label, items in (("missing", self.missing), ("mismatched", self.mismatched)):
            if items:
                more = ", ..." if len(items) > 3 else ""
                parts.append(f"{len(items)} {label} ({', '.join(items[:3])}{more})")
        return f"{self.name}: " + ", ".join(parts)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return _hash_file(path, "sha256")


def _hash_file(path: Path, algorithm: str) -> str:
    """Hex digest of a file's bytes: ``sha256``, or ``md5`` (a pin's check only, hence not for security)."""
    digest = hashlib.new(algorithm, usedforsecurity=algorithm != "md5")
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_dataset(name: str, root: str | os.PathLike[str] | None = None) -> VerifyReport:
    """Recompute the hashes of every file the registry lists for ``name`` under the data root.

    Files kept whole from an archive are those its fetch listed; a missing list counts as missing.
    """
    spec = get_spec(name)
    folder = data_root(root) / spec.folder
    if not folder.is_dir():
        raise not_installed(name, f"not found at {folder}")
    report = VerifyReport(name, folder)
    texts = [(rel, hashlib.sha256(text.encode()).hexdigest()) for rel, text in spec.texts]
    files = spec.expected_files() + texts
    for src in spec.sources:
        if src.keep:
            kept = _kept_files(folder, src)
            if kept is None:
                report.missing.append(src.kept_manifest)
            else:
                files += kept
    for rel, sha in files:
        status = _status(folder, rel, sha, spec)
        if status == "ok":
            report.ok += 1
        elif status == "unhashed":
            report.unhashed += 1
        else:
            getattr(report, status).append(rel)
    return report


def fetch_dataset(
    name: str, root: str | os.PathLike[str] | None = None, *, force: bool = False, progress: bool = True
) -> Path:
    """Download dataset ``name`` into the data root, skipping files already there with the right hash.

    Returns the dataset folder. UserError on a network failure or a hash mismatch.
    """
    spec = get_spec(name)
    folder = data_root(root) / spec.folder
    with _progress(progress, name, len(spec.sources)) as bar:
        for src in spec.sources:
            bar.file(src.dest or src.url.rsplit("/", 1)[-1])
            if force or not _have(folder, src, spec):
                if src.extract:
                    _fetch_archive(src, folder, bar.add_bytes)
                else:
                    _download(src, folder / src.dest, bar.add_bytes)
            bar.advance()
    for rel, text in spec.texts:
        (folder / rel).write_bytes(text.encode())
    return dataset_path(name, root)


def _status(folder: Path, rel: str, sha256: str | None, spec: DatasetSpec) -> str:
    """ok, unhashed, missing or mismatched (the last two name VerifyReport's lists)."""
    path = folder / rel
    if sha256 is None:
        candidates = [path, *(path.with_suffix(s) for s in spec.alt_suffixes)]
        return "unhashed" if any(p.is_file() for p in candidates) else "missing"
    if not path.is_file():
        return "missing"
    return "ok" if sha256_file(path) == sha256 else "mismatched"


def _have(folder: Path, src: Source, spec: DatasetSpec) -> bool:
    if src.keep:
        kept = _kept_files(folder, src)
        return kept is not None and all(_status(folder, rel, sha, spec) == "ok" for rel, sha in kept)
    if src.extract:
        rels = [(posixpath.join(src.dest, m.name), m.sha256) for m in src.members]
        return all(_status(folder, rel, sha, spec) == "ok" for rel, sha in rels)
    return _status(folder, src.dest, src.sha256, spec) in ("ok", "unhashed")


def _download(src: Source, target: Path, on_bytes: Callable[[int], None]) -> None:
    """Fetch ``src.url`` to a temporary file beside ``target``, check it, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(src.url, timeout=_TIMEOUT_S) as response:
                    while chunk := response.read(_CHUNK):
                        out.write(chunk)
                        on_bytes(len(chunk))
            except _NETWORK_ERRORS as exc:
                raise UserError(f"download failed: {src.url} ({_reason(exc)}); {_RETRY}") from exc
        if src.skip_lines:
            lines = tmp.read_bytes().split(b"\n")
            tmp.write_bytes(b"\n".join(lines[src.skip_lines :]))
        if src.sha256:
            _check(tmp, src.sha256, src.url)
        elif src.md5:
            _check(tmp, src.md5, src.url, "md5")
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _fetch_archive(src: Source, folder: Path, on_bytes: Callable[[int], None]) -> None:
    """Download and unpack an archive in a scratch folder, then move its checked members into place."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".fetch-") as scratch:
        archive = Path(scratch) / posixpath.basename(urllib.parse.urlparse(src.url).path)
        _download(src, archive, on_bytes)
        try:
            files = safe_extract(archive, Path(scratch) / "files")
        except ArchiveError as exc:  # name the URL: the archive itself goes with the scratch folder
            raise UserError(f"refusing to extract {src.url}: {exc.problem}; {_RETRY}") from exc
        for member in src.members:
            found = [f for f in files if f.name == member.name]
            if len(found) != 1:
                raise UserError(f"{src.url} has {len(found)} files named {member.name}, expected 1; {_RETRY}")
            _check(found[0], member.sha256, f"{member.name} from {src.url}")
            dest = folder / src.dest / member.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(found[0], dest)
        if src.keep:
            _keep(src, files, Path(scratch) / "files", folder)


def _keep(src: Source, files: list[Path], extracted: Path, folder: Path) -> None:
    """Move the extracted files under ``src.keep`` into place, then list them with their hashes."""
    base = Path(os.path.realpath(extracted))
    rels = {path: path.relative_to(base).as_posix() for path in files}
    lines = [_kept_header(src)]
    for prefix in src.keep:
        chosen = [path for path, rel in rels.items() if rel == prefix or rel.startswith(prefix + "/")]
        if not chosen:
            raise UserError(f"{src.url} has no {prefix}: the archive is not laid out as expected; {_RETRY}")
        for path in chosen:
            rel = posixpath.join(src.dest, rels[path])
            lines.append(f"{sha256_file(path)}  {rel}")
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, folder / rel)
    manifest = folder / src.kept_manifest
    part = manifest.with_name(manifest.name + ".part")
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(part, manifest)  # written last and whole: it marks the archive as fully kept


def _kept_header(src: Source) -> str:
    """The kept manifest's first line: it names the archive's pin, so a new pin makes the fetch run again."""
    pin = f"sha256 {src.sha256}" if src.sha256 else f"md5 {src.md5}"
    return f"# files kept from {src.url}, {pin}"


def _kept_files(folder: Path, src: Source) -> list[tuple[str, str]] | None:
    """(relpath, sha256) of the files kept from ``src``'s archive; None unless a fetch of it listed them."""
    manifest = folder / src.kept_manifest
    lines = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    if not lines or lines[0] != _kept_header(src):
        return None
    return [(rel, sha) for sha, rel in (line.split("  ", 1) for line in lines[1:])]


def _check(path: Path, expected: str, what: str, algorithm: str = "sha256") -> None:
    got = _hash_file(path, algorithm)
    if got != expected:
        raise UserError(
            f"{algorithm} mismatch for {what}: expected {expected}, got {got}; "
            f"the download may be corrupt or the source changed: {_RETRY}"
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return " ".join(str(reason).split()) or type(exc).__name__


class _Bar:
    """Progress on stderr (files done of the dataset, MB downloaded); does nothing when disabled."""

    def __init__(self, progress: Any = None, name: str = "", total: int = 0) -> None:
        self._progress, self._name, self._bytes = progress, name, 0
        self._task = progress.add_task(name, total=total, mb=0.0) if progress else None

    def file(self, label: str) -> None:
        if self._progress:
            self._progress.update(self._task, description=f"{self._name} {label}")

    def add_bytes(self, n: int) -> None:
        if self._progress:
            self._bytes += n
            self._progress.update(self._task, mb=self._bytes / 1e6)

    def advance(self) -> None:
        if self._progress:
            self._progress.advance(self._task)


@contextmanager
def _progress(enabled: bool, name: str, total: int) -> Iterator[_Bar]:
    if not enabled:
        yield _Bar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}", style="bold"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[mb]:.1f} MB"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        yield _Bar(progress, name, total)
