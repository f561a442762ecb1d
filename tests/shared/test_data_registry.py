"""The dataset registry, the data root and dataset_path; the real datasets where DLDEMO_DATA has them."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dldemo.shared.data import DATASETS, Source, data_root, dataset_path, verify_dataset
from dldemo.shared.data.cli import data_group
from dldemo.shared.errors import UserError

NAMES = (
    "bsds500",
    "camvid",
    "multi30k",
    "tatoeba-fra-eng",
    "flickr8k",
    "squeezenet",
    "voc2012",
    "oxford-pets",
    "efficientnet-lite0",
)
PINNED_URL = re.compile(r"^https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+$")
PYPI_FILE = re.compile(r"^https://files\.pythonhosted\.org/packages/[0-9a-f/]+/[\w.-]+\.whl$")


def real_root(name: str) -> Path:
    """DLDEMO_DATA when it holds dataset ``name``; the test is skipped otherwise."""
    root = os.environ.get("DLDEMO_DATA")
    if not root or not (Path(root) / DATASETS[name].folder).is_dir():
        pytest.skip(f"{name} is not under DLDEMO_DATA ({root or 'not set'}): `dldemo data fetch {name}`")
    return Path(root)


def reference_manifest(root: Path) -> dict[str, str]:
    """relpath -> sha256 from the reference copy's MANIFEST.sha256."""
    manifest = root / "MANIFEST.sha256"
    if not manifest.is_file():
        pytest.skip(f"{manifest} not found: DLDEMO_DATA should point at the reference copy")
    pairs = (line.split(None, 1) for line in manifest.read_text().splitlines() if line)
    return {path.removeprefix("./"): sha for sha, path in pairs}


def test_registry_has_the_nine_datasets() -> None:
    assert set(DATASETS) == set(NAMES)
    assert DATASETS["squeezenet"].folder == "weights"
    assert all(spec.name == name for name, spec in DATASETS.items())


@pytest.mark.parametrize("name", NAMES)
def test_spec_sources_are_pinned_and_well_formed(name: str) -> None:
    spec = DATASETS[name]
    assert spec.description and "\n" not in spec.description
    assert spec.licence and spec.citation and spec.layout and spec.required
    for src in spec.sources:
        # a raw file at a commit; an archive kept whole (by its sha256 or md5) or a PyPI wheel by its sha256
        assert PINNED_URL.match(src.url) or src.keep or (PYPI_FILE.match(src.url) and src.sha256), src.url
        assert src.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", src.sha256)
        assert src.md5 is None or (re.fullmatch(r"[0-9a-f]{32}", src.md5) and not src.sha256)
        assert src.extract == bool(src.members or src.keep)
    rels = [rel for rel, _ in spec.expected_files()]
    assert len(rels) == len(set(rels))
    assert all(not rel.startswith("/") and ".." not in rel.split("/") for rel in rels)


def test_flickr8k_fetches_the_full_release_archives_pinned_by_md5() -> None:
    spec = DATASETS["flickr8k"]
    base = "https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/"
    pins = [(src.url, src.md5, src.sha256, src.extract) for src in spec.sources]
    assert pins == [
        (base + "Flickr8k_text.zip", "bf6c1abcb8e4a833b7f922104de18627", None, True),
        (base + "Flickr8k_Dataset.zip", "f18a1e2920de5bd84dae7cf08ec78978", None, True),
    ]
    text, images = spec.sources
    lists = [f"Flickr_8k.{split}Images.txt" for split in ("train", "dev", "test")]
    assert text.dest == "text" and text.keep == ("Flickr8k.token.txt", *lists)
    assert images.dest == "" and images.keep == ("Flicker8k_Dataset",)  # sic: the archive's own spelling
    assert not spec.expected_files()  # every file is kept from an archive, listed by its fetch
    kept = {f"{src.dest}/{name}".lstrip("/") for src in spec.sources for name in src.keep}
    assert all(any(alt in kept for alt in rel.split("|")) for rel in spec.required)
    assert "images224" in spec.required[-1].split("|")  # the reference copy's 224 px layout loads too


def test_md5_pins_only_archives_without_a_sha256() -> None:
    url = "https://example.invalid/pack.zip"
    assert Source(url, "", md5="0" * 32, extract=True, keep=("a",)).kept_manifest == ".pack.zip.sha256"
    with pytest.raises(ValueError, match="md5 is only for an extracted archive"):
        Source(url, "a.txt", md5="0" * 32)
    with pytest.raises(ValueError, match="md5 is only for an extracted archive with no known sha256"):
        Source(url, "", sha256="0" * 64, md5="0" * 32, extract=True, keep=("a",))
    with pytest.raises(ValueError, match="pinned by sha256 \\(or md5\\)"):
        Source(url, "", extract=True, keep=("a",))


def test_only_camvid_images_lack_a_hash() -> None:
    files = [(name, rel, sha) for name, spec in DATASETS.items() for rel, sha in spec.expected_files()]
    unhashed = [(name, rel) for name, rel, sha in files if not sha]
    assert unhashed and all(name == "camvid" and "/images/" in rel for name, rel in unhashed)


def test_data_root_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DLDEMO_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data_root(tmp_path / "flag") == tmp_path / "flag"
    assert data_root() == tmp_path / "env"
    monkeypatch.delenv("DLDEMO_DATA")
    assert data_root() == tmp_path / "cache" / "dldemo" / "data"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".cache" / "dldemo" / "data"


def test_unknown_dataset_lists_the_known_names(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown dataset 'nope'") as err:
        dataset_path("nope", tmp_path)
    assert all(name in str(err.value) for name in NAMES)


def test_missing_dataset_names_path_and_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        dataset_path("bsds500", tmp_path)
    message = str(err.value)
    assert str(tmp_path / "bsds500") in message
    assert "dldemo data fetch bsds500" in message and "DLDEMO_DATA" in message
    assert "\n" not in message


def test_incomplete_dataset_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bsds500" / "train").mkdir(parents=True)
    (tmp_path / "bsds500" / "train" / "1.jpg").write_bytes(b"x")
    (tmp_path / "bsds500" / "val").mkdir()
    with pytest.raises(UserError, match=r"incomplete \(val is missing or empty\).*dldemo data fetch bsds500"):
        dataset_path("bsds500", tmp_path)


def test_cli_list_runs_on_an_empty_root(tmp_path: Path) -> None:
    result = CliRunner().invoke(data_group, ["list", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert all(name in result.output for name in ("bsds500", "camvid", "squeezenet"))


@pytest.mark.dataset
@pytest.mark.parametrize("name", NAMES)
def test_dataset_path_finds_real_dataset(name: str) -> None:
    root = real_root(name)
    assert dataset_path(name, root) == root / DATASETS[name].folder


@pytest.mark.dataset
def test_camvid_accepts_jpeg_images() -> None:
    folder = dataset_path("camvid", real_root("camvid"))
    assert any((folder / "train" / "images").glob("*.jpg"))


@pytest.mark.dataset
def test_verify_real_bsds500_is_all_ok() -> None:
    report = verify_dataset("bsds500", real_root("bsds500"))
    assert report.passed and report.ok == 300 and report.unhashed == 0


@pytest.mark.dataset
@pytest.mark.parametrize("name", [n for n in NAMES if n != "efficientnet-lite0"])  # the copy holds its .npz
def test_registry_hashes_agree_with_reference_manifest(name: str) -> None:
    root = real_root(name)
    reference = reference_manifest(root)
    spec = DATASETS[name]
    hashed = {f"{spec.folder}/{rel}": sha for rel, sha in spec.expected_files() if sha}
    hashed |= {f"{spec.folder}/{rel}": hashlib.sha256(text.encode()).hexdigest() for rel, text in spec.texts}
    assert {path: reference.get(path) for path in hashed} == hashed
    # Every reference file has a known hash, except the camvid JPEG re-encodings, the weights' notes, the
    # EfficientNet-Lite0 arrays (converted from a wheel that is not in the registry yet) and all of the
    # reference copy's Flickr8k: it was assembled from GitHub copies (text/ and 1,000 re-encoded images/
    # at pinned commits, images224/ resized from another copy), while the registry keeps the files of the
    # release archives, whose hashes are known only once fetched (see the next test).
    derived = ("flickr8k/", "weights/efficientnet-lite0")
    unhashed = {path for path in reference if path.startswith("camvid/") and path.endswith(".jpg")}
    unhashed |= {path for path in reference if path.startswith(derived)}
    unhashed.add("weights/squeezenet_v1.1_notop.layout.txt")
    in_folder = {path for path in reference if path.startswith(spec.folder + "/")}
    assert in_folder - unhashed == set(hashed)


@pytest.mark.dataset
def test_reference_flickr8k_has_the_text_files_the_registry_keeps() -> None:
    """The reference copy is not fetched from the archives, but its text/ holds the files kept from the
    text archive (and the dataset's own readme.txt, which the fetch does not keep)."""
    root = real_root("flickr8k")
    text = next(src for src in DATASETS["flickr8k"].sources if src.dest == "text")
    in_text = {path for path in reference_manifest(root) if path.startswith("flickr8k/text/")}
    assert in_text - {"flickr8k/text/readme.txt"} == {f"flickr8k/text/{name}" for name in text.keep}
    folder = dataset_path("flickr8k", root)
    assert any((folder / "images224").glob("*.jpg")) or any((folder / "images").glob("*.jpg"))
