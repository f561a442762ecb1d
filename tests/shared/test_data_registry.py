"""The dataset registry, the data root and dataset_path; the real datasets where DLDEMO_DATA has them."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dldemo.shared.data import DATASETS, data_root, dataset_path, verify_dataset
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
        # a raw file at a commit; an archive kept whole or a PyPI wheel is pinned by its sha256
        assert PINNED_URL.match(src.url) or src.keep or (PYPI_FILE.match(src.url) and src.sha256), src.url
        assert src.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", src.sha256)
        assert src.extract == bool(src.members or src.keep)
    rels = [rel for rel, _ in spec.expected_files()]
    assert len(rels) == len(set(rels))
    assert all(not rel.startswith("/") and ".." not in rel.split("/") for rel in rels)


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
    # reference copy's own 224 px Flickr8k images (a derived layout, not a download) and the
    # EfficientNet-Lite0 arrays (converted from a wheel that is not in the registry yet).
    derived = ("flickr8k/images224/", "weights/efficientnet-lite0")
    unhashed = {path for path in reference if path.startswith("camvid/") and path.endswith(".jpg")}
    unhashed |= {path for path in reference if path.startswith(derived)}
    unhashed.add("weights/squeezenet_v1.1_notop.layout.txt")
    in_folder = {path for path in reference if path.startswith(spec.folder + "/")}
    assert in_folder - unhashed == set(hashed)
