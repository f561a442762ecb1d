"""safe_extract: ordinary zip and tar archives, malicious ones that must not write outside, damaged ones."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from dldemo.shared.data import safe_extract
from dldemo.shared.data.extract import LIMITS, Limits
from dldemo.shared.errors import UserError

FILES = {"top.txt": b"top", "dir/nested.txt": b"nested"}


def make_zip(
    path: Path,
    files: dict[str, bytes],
    links: dict[str, str | bytes] | None = None,
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
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


def assert_refused(archive: Path, tmp_path: Path, detail: str = "", limits: Limits = LIMITS) -> None:
    """safe_extract raises a one-line UserError (matching ``detail``) and leaves nothing, in or out."""
    before = files_under(tmp_path)
    with pytest.raises(UserError, match=f"refusing to extract .*{detail}") as err:
        safe_extract(archive, tmp_path / "work" / "out", limits)
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


def test_dot_members_are_the_target_and_its_files(tmp_path: Path) -> None:
    """``tar -C dir .`` names the folder itself ./ and its files ./x; an entry ending in / is a folder."""
    members = [tar_member("./"), tar_member("./", type=tarfile.DIRTYPE), tar_member("./dir/")]
    members += [tar_member(f"./{name}", data) for name, data in FILES.items()]
    out = tmp_path / "out"
    written = safe_extract(make_tar(tmp_path / "a.tar", members), out)
    assert files_under(out) == sorted(FILES) and len(written) == len(FILES)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_zip_member_given_twice_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bad.zip", {"a.txt": b"first"})
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("a.txt", b"second")
    assert_refused(archive, tmp_path, "member 'a.txt' is in it twice")


@pytest.mark.parametrize(
    "names,detail",
    [
        (["a.txt", "a.txt"], "in it twice"),
        (["a.txt", "./a.txt"], "in it twice"),
        (["a", "a/b.txt"], "both a file and a folder"),
        (["a/b.txt", "a"], "both a file and a folder"),
        (["."], "member '.' is both a file and a folder"),
    ],
    ids=["twice", "dot-slash", "file-then-folder", "folder-then-file", "dot"],
)
def test_tar_members_on_one_path_are_refused(tmp_path: Path, names: list[str], detail: str) -> None:
    assert_refused(make_tar(tmp_path / "bad.tar", [tar_member(n, b"x") for n in names]), tmp_path, detail)


def test_zip_link_to_a_path_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bad.zip", FILES, links={"link": b"\xff\xfe"})
    assert_refused(archive, tmp_path, "member 'link' is a link to a path that is not UTF-8")


def test_zip_with_a_bad_crc_is_corrupt(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bad.zip", {"first.txt": b"written first", "b.txt": b"hello world"})
    data = bytearray(archive.read_bytes())
    data[data.index(b"hello world")] ^= 0xFF
    archive.write_bytes(data)
    assert_refused(archive, tmp_path, r"corrupt.*\(Bad CRC-32 for file 'b.txt'\)")


def cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def gzip_with_a_bad_block(data: bytes) -> bytes:
    """``data`` gzipped up to its middle, then a deflate block of an invalid type."""
    deflate = zlib.compressobj(wbits=-15)
    good = deflate.compress(cut(data)) + deflate.flush(zlib.Z_FULL_FLUSH)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + good + b"\xff" * 16


DAMAGED: dict[str, Callable[[bytes], bytes]] = {
    "tar-cut": cut,  # tarfile.ReadError
    "gz-cut": lambda tar: cut(gzip.compress(tar)),  # EOFError
    "bz2-cut": lambda tar: cut(bz2.compress(tar, 1)),  # EOFError (100 kB blocks: the cut is past the first)
    "xz-cut": lambda tar: cut(lzma.compress(tar)),  # EOFError
    "gz-bad-block": gzip_with_a_bad_block,  # zlib.error
    "bz2-flip": lambda tar: flip(bz2.compress(tar, 1)),  # OSError
    "xz-flip": lambda tar: flip(lzma.compress(tar)),  # lzma.LZMAError
}


@pytest.mark.parametrize("damage", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_tar_is_corrupt(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    noise = random.Random(0).randbytes(250_000)  # incompressible: the damage lands in a member's data
    tar = make_tar(tmp_path / "src.tar", [tar_member("top.txt", b"top"), tar_member("noise.bin", noise)])
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(damage(tar.read_bytes()))
    tar.unlink()
    assert_refused(archive, tmp_path, "it is corrupt, truncated or not supported")


@pytest.mark.parametrize(
    "files,limits",
    [
        ({"zeros": bytes(5_000_000)}, Limits(floor=1_000_000)),  # a member 1000 times its compressed size
        ({f"zeros{i}": bytes(600_000) for i in range(3)}, Limits(floor=1_000_000)),  # each under the floor
        (FILES, Limits(total=5)),  # past the absolute cap
    ],
    ids=["member", "total", "cap"],
)
def test_zip_bomb_is_refused(tmp_path: Path, files: dict[str, bytes], limits: Limits) -> None:
    archive = make_zip(tmp_path / "bomb.zip", files, compression=zipfile.ZIP_DEFLATED)
    assert_refused(archive, tmp_path, "would expand to more than .* MB", limits)


def test_tar_bomb_is_refused(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "bomb.tar.gz", [tar_member("zeros", bytes(5_000_000))], "w:gz")
    assert_refused(archive, tmp_path, "its members would expand to more than 1.0 MB", Limits(floor=1_000_000))


def test_zip_size_that_lies_is_refused(tmp_path: Path) -> None:
    """A member declared smaller than it is: the reader stops at the declared size and the CRC fails."""
    archive = make_zip(tmp_path / "bomb.zip", {"zeros": bytes(5_000_000)}, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(archive.read_bytes())
    struct.pack_into("<I", data, 22, 1000)  # the local header's size
    struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 24, 1000)  # the central directory's
    archive.write_bytes(data)
    assert_refused(archive, tmp_path, "Bad CRC-32", Limits(floor=1_000_000))


def test_links_copied_past_the_cap_are_refused_and_undone(tmp_path: Path) -> None:
    """Copies for links are not among the declared sizes: what is written counts too, and is removed."""
    out = tmp_path / "work" / "out"
    out.mkdir(parents=True)
    (out / "mine.txt").write_bytes(b"there before")
    members = [tar_member("dir/zeros", bytes(1_000_000))]
    members += [tar_member(f"dir/copy{i}", type=tarfile.LNKTYPE, linkname="dir/zeros") for i in range(4)]
    archive = make_tar(tmp_path / "links.tar.gz", members, "w:gz")
    with pytest.raises(UserError, match="its members would expand to more than 3.0 MB"):
        safe_extract(archive, out, Limits(total=3_000_000))
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_default_limits_fit_the_real_archives() -> None:
    """Pascal VOC's 2 GB tar expands to as much; Flickr8k's 2.3 MB text zip to about 10 MB."""
    assert LIMITS.allowed(2_000_000_000) >= 2_000_000_000 and LIMITS.allowed(2_300_000) >= 100_000_000
