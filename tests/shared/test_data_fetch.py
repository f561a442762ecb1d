"""fetch_dataset and verify_dataset against toy datasets served from file:// URLs (no network)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import random
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from dldemo.shared.data import DATASETS, DatasetSpec, Member, Source, fetch_dataset, verify_dataset
from dldemo.shared.data.cli import data_group
from dldemo.shared.errors import UserError
from tests.cli import dldemo


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


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


def test_downloads_are_readable_by_other_users(tmp_path: Path, plain: DatasetSpec) -> None:
    umask = os.umask(0o022)  # a shared data root: not the 0600 of the temporary download
    try:
        folder = fetch_dataset("bsds500", tmp_path / "data", progress=False)
    finally:
        os.umask(umask)
    assert {(path.stat().st_mode & 0o777) for path in folder.rglob("*") if path.is_file()} == {0o644}


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


# An archive laid out like the Flickr8k release: a folder of photos and a macOS resource-fork folder.
PHOTOS = {"Photos/1_a.jpg": b"jpeg a", "Photos/2_b.jpg": b"jpeg b", "__MACOSX/Photos/._1_a.jpg": b"fork"}


def test_md5_pinned_archive_is_kept_and_listed(tmp_path: Path, install) -> None:
    data = zip_with(tmp_path / "src.zip", PHOTOS | {"notes.txt": b"not kept"})
    base = serve(tmp_path, {"photos.zip": data})
    source = Source(base + "photos.zip", "", md5=md5(data), extract=True, keep=("Photos",))
    install(toy_spec((source,), required=("Photos",)))
    root = tmp_path / "data"
    folder = fetch_dataset("bsds500", root, progress=False)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        ".photos.zip.sha256",
        "Photos/1_a.jpg",
        "Photos/2_b.jpg",
    ]  # no archive, no scratch, no __MACOSX, no file outside the kept folder
    assert (folder / source.kept_manifest).read_text().splitlines() == [
        f"# files kept from {source.url}, md5 {md5(data)}",
        f"{sha(b'jpeg a')}  Photos/1_a.jpg",
        f"{sha(b'jpeg b')}  Photos/2_b.jpg",
    ]
    report = verify_dataset("bsds500", root)
    assert report.passed and report.ok == 2 and report.unhashed == 0
    (tmp_path / "remote" / "photos.zip").unlink()
    fetch_dataset("bsds500", root, progress=False)  # every kept file checks out: nothing to download
    (folder / "Photos" / "2_b.jpg").write_bytes(b"edited")
    assert verify_dataset("bsds500", root).mismatched == ["Photos/2_b.jpg"]


def test_md5_mismatch_is_refused_in_one_line(tmp_path: Path, install) -> None:
    data = zip_with(tmp_path / "src.zip", PHOTOS)
    base = serve(tmp_path, {"photos.zip": data})
    pin = md5(b"the published archive")
    install(toy_spec((Source(base + "photos.zip", "", md5=pin, extract=True, keep=("Photos",)),)))
    with pytest.raises(UserError) as err:
        fetch_dataset("bsds500", tmp_path / "data", progress=False)
    message = str(err.value)
    assert message.startswith("md5 mismatch for file://") and "photos.zip" in message
    assert f"expected {pin}, got {md5(data)}" in message and "corrupt" in message and "\n" not in message
    assert not [p for p in (tmp_path / "data").rglob("*") if p.is_file()]


def test_a_new_pin_fetches_the_archive_again(tmp_path: Path, install) -> None:
    data = zip_with(tmp_path / "src.zip", PHOTOS)
    base = serve(tmp_path, {"photos.zip": data})
    source = Source(base + "photos.zip", "", md5=md5(data), extract=True, keep=("Photos",))
    install(toy_spec((source,), required=("Photos",)))
    root = tmp_path / "data"
    fetch_dataset("bsds500", root, progress=False)
    repinned = dataclasses.replace(source, md5=None, sha256=sha(data))
    install(toy_spec((repinned,), required=("Photos",)))
    assert verify_dataset("bsds500", root).missing == [source.kept_manifest]  # listed under the old pin
    fetch_dataset("bsds500", root, progress=False)
    header = (root / "toy" / source.kept_manifest).read_text().splitlines()[0]
    assert header == f"# files kept from {source.url}, sha256 {sha(data)}"
    assert verify_dataset("bsds500", root).passed


def test_flickr8k_spec_unpacks_the_release_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real flickr8k spec, its URLs and pins swapped for toy archives laid out as the release is."""
    lists = {f"Flickr_8k.{split}Images.txt": f"{split}.jpg\n".encode() for split in ("train", "dev", "test")}
    text = {"Flickr8k.token.txt": b"1_a.jpg#0\ta dog\n", **lists, "readme.txt": b"cite Hodosh et al."}
    text |= {"ExpertAnnotations.txt": b"not kept", "__MACOSX/._Flickr8k.token.txt": b"fork"}
    photos = {"Flicker8k_Dataset/1_a.jpg": b"jpeg a", "__MACOSX/Flicker8k_Dataset/._1_a.jpg": b"fork"}
    archives = {
        "Flickr8k_text.zip": zip_with(tmp_path / "text.zip", text),
        "Flickr8k_Dataset.zip": zip_with(tmp_path / "photos.zip", photos),
    }
    base = serve(tmp_path, archives)
    spec = DATASETS["flickr8k"]
    sources = []
    for src in spec.sources:
        name = src.url.rsplit("/", 1)[-1]
        sources.append(dataclasses.replace(src, url=base + name, md5=md5(archives[name])))
    monkeypatch.setitem(DATASETS, "flickr8k", dataclasses.replace(spec, sources=tuple(sources)))
    root = tmp_path / "data"
    folder = fetch_dataset("flickr8k", root, progress=False)  # dataset_path: every required file is there
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        ".Flickr8k_Dataset.zip.sha256",
        "Flicker8k_Dataset/1_a.jpg",
        "text/.Flickr8k_text.zip.sha256",
        "text/Flickr8k.token.txt",
        "text/Flickr_8k.devImages.txt",
        "text/Flickr_8k.testImages.txt",
        "text/Flickr_8k.trainImages.txt",
    ]
    assert (folder / "text" / "Flickr_8k.testImages.txt").read_bytes() == b"test.jpg\n"  # no line dropped
    report = verify_dataset("flickr8k", root)
    assert report.passed and report.ok == 5


def truncated_tar_gz(tmp_path: Path) -> bytes:
    """A .tar.gz cut in half: reading it raises EOFError, which click would report as Ctrl-C."""
    noise = random.Random(0).randbytes(100_000)
    info = tarfile.TarInfo("pack/noise.bin")
    info.size = len(noise)
    with tarfile.open(tmp_path / "src.tar.gz", "w:gz") as tf:
        tf.addfile(info, io.BytesIO(noise))
    data = (tmp_path / "src.tar.gz").read_bytes()
    return data[: len(data) // 2]


def zip_with_a_bad_crc(tmp_path: Path) -> bytes:
    data = bytearray(zip_with(tmp_path / "src.zip", {"pack/a.txt": b"hello world"}))
    data[data.index(b"hello world")] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    "name,damaged", [("pack.tar.gz", truncated_tar_gz), ("pack.zip", zip_with_a_bad_crc)]
)
def test_cli_fetch_of_a_damaged_archive_fails_in_one_line(
    tmp_path: Path, install, capsys: pytest.CaptureFixture[str], name: str, damaged: Callable[[Path], bytes]
) -> None:
    data = damaged(tmp_path)
    base = serve(tmp_path, {name: data})
    install(toy_spec((Source(base + name, "", sha256=sha(data), extract=True, keep=("pack",)),)))
    root = tmp_path / "data"
    assert dldemo("data", "fetch", "bsds500", "--data", root) == 2
    error = capsys.readouterr().err.splitlines()[-1]  # after the progress bar: the error, in one line
    assert error.startswith(f"dldemo: error: refusing to extract {base}{name}: it is corrupt")
    assert "DLDEMO_DATA" in error and ".fetch-" not in error
    assert not [p for p in root.rglob("*") if p.is_file()]  # no scratch left, no list of kept files
    assert dldemo("data", "verify", "bsds500", "--data", root) == 1
