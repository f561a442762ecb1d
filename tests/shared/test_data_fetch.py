"""fetch_dataset and verify_dataset against toy datasets served from file:// URLs (no network)."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dldemo.shared.data import DATASETS, DatasetSpec, Member, Source, fetch_dataset, verify_dataset
from dldemo.shared.data.cli import data_group
from dldemo.shared.errors import UserError


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serve(tmp_path: Path, files: dict[str, bytes]) -> str:
    """Write ``files`` under a 'remote' folder and return its file:// base URL."""
    remote = tmp_path / "remote"
    for rel, data in files.items():
        (remote / rel).parent.mkdir(parents=True, exist_ok=True)
        (remote / rel).write_bytes(data)
    return remote.as_uri() + "/"


def toy_spec(sources: tuple[Source, ...], **kw: object) -> DatasetSpec:
    fields = dict(
        name="bsds500",
        folder="toy",
        description="toy",
        licence="none",
        citation="none",
        layout="toy/a.txt",
        required=("a.txt",),
        sources=sources,
    )
    return DatasetSpec(**(fields | kw))  # type: ignore[arg-type]


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch):
    """Register a spec under the name 'bsds500' (so the CLI's name choice accepts it)."""

    def _install(spec: DatasetSpec) -> DatasetSpec:
        monkeypatch.setitem(DATASETS, "bsds500", spec)
        return spec

    return _install


@pytest.fixture
def plain(tmp_path: Path, install) -> DatasetSpec:
    files = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256)) * 100}
    base = serve(tmp_path, files)
    return install(toy_spec(tuple(Source(base + rel, rel, sha(data)) for rel, data in files.items())))


def test_fetch_downloads_checks_and_verifies(tmp_path: Path, plain: DatasetSpec) -> None:
    root = tmp_path / "data"
    folder = fetch_dataset("bsds500", root, progress=False)
    assert folder == root / "toy"
    assert (folder / "a.txt").read_bytes() == b"alpha\n"
    assert not list(folder.rglob("*.part"))
    report = verify_dataset("bsds500", root)
    assert report.passed and report.ok == 2


def test_fetch_with_progress_bar(tmp_path: Path, plain: DatasetSpec) -> None:
    assert fetch_dataset("bsds500", tmp_path / "data", progress=True).is_dir()


def test_present_files_are_skipped_unless_forced(tmp_path: Path, plain: DatasetSpec) -> None:
    root = tmp_path / "data"
    fetch_dataset("bsds500", root, progress=False)
    for path in (tmp_path / "remote").rglob("*"):
        if path.is_file():
            path.unlink()
    fetch_dataset("bsds500", root, progress=False)  # nothing to download
    with pytest.raises(UserError, match=r"download failed: file://.*a\.txt.*DLDEMO_DATA"):
        fetch_dataset("bsds500", root, force=True, progress=False)


def test_hash_mismatch_removes_the_download(tmp_path: Path, install) -> None:
    base = serve(tmp_path, {"a.txt": b"tampered"})
    install(toy_spec((Source(base + "a.txt", "a.txt", sha(b"original")),)))
    with pytest.raises(UserError) as err:
        fetch_dataset("bsds500", tmp_path / "data", progress=False)
    message = str(err.value)
    assert f"expected {sha(b'original')}, got {sha(b'tampered')}" in message
    assert "corrupt" in message and "\n" not in message
    assert not [p for p in (tmp_path / "data").rglob("*") if p.is_file()]


def test_network_failure_names_the_url(tmp_path: Path, install, monkeypatch: pytest.MonkeyPatch) -> None:
    install(toy_spec((Source("https://example.invalid/a.txt", "a.txt", sha(b"x")),)))

    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure\nin name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(UserError) as err:
        fetch_dataset("bsds500", tmp_path / "data", progress=False)
    message = str(err.value)
    assert "https://example.invalid/a.txt" in message and "Temporary failure in name" in message
    assert "DLDEMO_DATA" in message and "\n" not in message


def test_skip_lines_drops_leading_lines_before_the_check(tmp_path: Path, install) -> None:
    base = serve(tmp_path, {"list.txt": b"bogus\none\ntwo\n"})
    install(toy_spec((Source(base + "list.txt", "a.txt", sha(b"one\ntwo\n"), skip_lines=1),)))
    folder = fetch_dataset("bsds500", tmp_path / "data", progress=False)
    assert (folder / "a.txt").read_bytes() == b"one\ntwo\n"


def zip_with(path: Path, files: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path.read_bytes()


def test_archive_members_are_extracted_and_checked(tmp_path: Path, install) -> None:
    data = zip_with(tmp_path / "src.zip", {"pack/a.txt": b"alpha", "pack/_about.txt": b"about", "other": b""})
    base = serve(tmp_path, {"pack.zip": data})
    members = (Member("a.txt", sha(b"alpha")), Member("_about.txt", sha(b"about")))
    install(toy_spec((Source(base + "pack.zip", "", extract=True, members=members),)))
    root = tmp_path / "data"
    folder = fetch_dataset("bsds500", root, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["_about.txt", "a.txt"]  # no archive, no scratch
    assert verify_dataset("bsds500", root).ok == 2


def test_archive_member_mismatch_is_reported(tmp_path: Path, install) -> None:
    base = serve(tmp_path, {"pack.zip": zip_with(tmp_path / "src.zip", {"a.txt": b"changed"})})
    source = Source(base + "pack.zip", "", extract=True, members=(Member("a.txt", sha(b"alpha")),))
    install(toy_spec((source,)))
    with pytest.raises(UserError, match="sha256 mismatch for a.txt from file://.*pack.zip"):
        fetch_dataset("bsds500", tmp_path / "data", progress=False)
    assert not list((tmp_path / "data" / "toy").iterdir())


def test_unhashed_file_accepts_alternative_suffix(tmp_path: Path, install) -> None:
    base = serve(tmp_path, {"img.png": b"png bytes"})
    source = Source(base + "img.png", "images/img.png")
    install(toy_spec((source,), required=("images",), alt_suffixes=(".jpg",)))
    root = tmp_path / "data"
    (root / "toy" / "images").mkdir(parents=True)
    (root / "toy" / "images" / "img.jpg").write_bytes(b"re-encoded")
    fetch_dataset("bsds500", root, progress=False)
    assert not (root / "toy" / "images" / "img.png").exists()  # the .jpg stands in for it
    report = verify_dataset("bsds500", root)
    assert report.passed and report.unhashed == 1 and report.ok == 0


def test_texts_are_written_and_verified(tmp_path: Path, plain: DatasetSpec, install) -> None:
    install(toy_spec(plain.sources, texts=(("classes.txt", "a\nb\n"),)))
    folder = fetch_dataset("bsds500", tmp_path / "data", progress=False)
    assert (folder / "classes.txt").read_text() == "a\nb\n"
    assert verify_dataset("bsds500", tmp_path / "data").ok == 3


def test_verify_reports_missing_and_mismatched(tmp_path: Path, plain: DatasetSpec) -> None:
    root = tmp_path / "data"
    fetch_dataset("bsds500", root, progress=False)
    (root / "toy" / "a.txt").write_bytes(b"edited")
    (root / "toy" / "sub" / "b.bin").unlink()
    report = verify_dataset("bsds500", root)
    assert not report.passed
    assert report.mismatched == ["a.txt"] and report.missing == ["sub/b.bin"] and report.ok == 0
    assert "1 missing (sub/b.bin)" in report.summary()


def test_verify_absent_dataset_says_how_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="dldemo data fetch camvid"):
        verify_dataset("camvid", tmp_path)


def test_cli_fetch_and_verify(tmp_path: Path, plain: DatasetSpec) -> None:
    root = str(tmp_path / "data")
    runner = CliRunner()
    fetched = runner.invoke(data_group, ["fetch", "bsds500", "--data", root])
    assert fetched.exit_code == 0, fetched.output
    ok = runner.invoke(data_group, ["verify", "--data", root])
    assert ok.exit_code == 0 and "bsds500: 2 ok" in ok.output
    (tmp_path / "data" / "toy" / "a.txt").write_bytes(b"edited")
    bad = runner.invoke(data_group, ["verify", "bsds500", "--data", root])
    assert bad.exit_code == 1 and "1 mismatched (a.txt)" in bad.output
