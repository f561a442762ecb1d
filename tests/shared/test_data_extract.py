"""safe_extract: ordinary zip and tar archives, and malicious ones that must not write outside."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from dldemo.shared.data import safe_extract
from dldemo.shared.errors import UserError

FILES = {"top.txt": b"top", "dir/nested.txt": b"nested"}


def make_zip(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def tar_member(name: str, data: bytes = b"", **attrs: object) -> tuple[tarfile.TarInfo, io.BytesIO | None]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info, io.BytesIO(data) if info.isreg() else None


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, io.BytesIO | None]], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tf:
        for info, data in members:
            tf.addfile(info, data)
    return path


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def test_zip_is_extracted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = safe_extract(make_zip(tmp_path / "a.zip", FILES), out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == sorted(FILES)
    assert (out / "dir" / "nested.txt").read_bytes() == b"nested"


@pytest.mark.parametrize(
    "suffix,mode", [(".tar", "w"), (".tar.gz", "w:gz"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")]
)
def test_tar_is_extracted(tmp_path: Path, suffix: str, mode: str) -> None:
    members = [tar_member("dir", type=tarfile.DIRTYPE)] + [tar_member(n, d) for n, d in FILES.items()]
    out = tmp_path / "out"
    safe_extract(make_tar(tmp_path / f"a{suffix}", members, mode), out)
    assert files_under(out) == sorted(FILES)
    assert (out / "top.txt").read_bytes() == b"top"


def test_internal_links_become_copies(tmp_path: Path) -> None:
    members = [
        tar_member("dir/nested.txt", b"nested"),
        tar_member("dir/sym.txt", type=tarfile.SYMTYPE, linkname="nested.txt"),
        tar_member("hard.txt", type=tarfile.LNKTYPE, linkname="dir/nested.txt"),
    ]
    out = tmp_path / "out"
    safe_extract(make_tar(tmp_path / "a.tar", members), out)
    for name in ("dir/sym.txt", "hard.txt"):
        assert not (out / name).is_symlink() and (out / name).read_bytes() == b"nested"


def test_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"not an archive")
    with pytest.raises(UserError, match="not a zip or tar archive"):
        safe_extract(tmp_path / "x.zip", tmp_path / "out")


def assert_refused(archive: Path, tmp_path: Path) -> None:
    """safe_extract raises UserError and writes nothing, inside the target or outside it."""
    before = files_under(tmp_path)
    with pytest.raises(UserError, match="refusing to extract") as err:
        safe_extract(archive, tmp_path / "work" / "out")
    assert "\n" not in str(err.value)
    assert files_under(tmp_path) == before
    assert not (tmp_path / "work" / "out").exists() or not any((tmp_path / "work" / "out").iterdir())


@pytest.mark.parametrize("name", ["../evil.txt", "ok/../../evil.txt", "..\\evil.txt", "C:/evil.txt"])
def test_zip_traversal_is_refused(tmp_path: Path, name: str) -> None:
    assert_refused(make_zip(tmp_path / "bad.zip", {"fine.txt": b"ok", name: b"evil"}), tmp_path)


def test_zip_absolute_path_is_refused(tmp_path: Path) -> None:
    absolute = tmp_path / "abs" / "x"
    assert_refused(make_zip(tmp_path / "bad.zip", {str(absolute): b"evil"}), tmp_path)
    assert not absolute.exists()


def test_zip_symlink_outside_is_refused(tmp_path: Path) -> None:
    assert_refused(make_zip(tmp_path / "bad.zip", FILES, links={"etc": "/etc"}), tmp_path)


@pytest.mark.parametrize(
    "member",
    [
        tar_member("../evil.txt", b"evil"),
        tar_member("/tmp/dldemo-test-evil.txt", b"evil"),
        tar_member("etc", type=tarfile.SYMTYPE, linkname="/etc"),
        tar_member("dir/up", type=tarfile.SYMTYPE, linkname="../../outside"),
        tar_member("passwd", type=tarfile.LNKTYPE, linkname="/etc/passwd"),
        tar_member("hard", type=tarfile.LNKTYPE, linkname="../outside.txt"),
        tar_member("tty", type=tarfile.CHRTYPE, devmajor=5, devminor=0),
        tar_member("disk", type=tarfile.BLKTYPE, devmajor=8, devminor=0),
        tar_member("pipe", type=tarfile.FIFOTYPE),
    ],
    ids=[
        "dotdot",
        "absolute",
        "symlink-etc",
        "symlink-up",
        "hardlink-abs",
        "hardlink-up",
        "chr",
        "blk",
        "fifo",
    ],
)
def test_tar_unsafe_member_is_refused(
    tmp_path: Path, member: tuple[tarfile.TarInfo, io.BytesIO | None]
) -> None:
    (tmp_path / "work").mkdir()
    archive = make_tar(tmp_path / "bad.tar.gz", [tar_member("fine.txt", b"ok"), member], "w:gz")
    assert_refused(archive, tmp_path)
    assert not Path("/tmp/dldemo-test-evil.txt").exists()


def test_tar_write_through_symlink_to_etc_is_refused(tmp_path: Path) -> None:
    members = [tar_member("etc", type=tarfile.SYMTYPE, linkname="/etc"), tar_member("etc/evil.conf", b"evil")]
    assert_refused(make_tar(tmp_path / "bad.tar", members), tmp_path)
    assert not Path("/etc/evil.conf").exists()


def test_existing_symlink_in_target_is_not_followed_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "work" / "out"
    out.mkdir(parents=True)
    (out / "sub").symlink_to(outside)
    with pytest.raises(UserError, match="refusing to extract"):
        safe_extract(make_zip(tmp_path / "a.zip", {"sub/x.txt": b"evil"}), out)
    assert not any(outside.iterdir())
