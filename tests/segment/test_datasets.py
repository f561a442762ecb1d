"""Segmentation loaders on generated VOC, Pets, folder and CamVid layouts; the real CamVid; fetch entries."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from dldemo.apps.segment.datasets import VOC, camvid, folder, open_split, pets, read_mask, voc
from dldemo.apps.segment.labels import CAMVID, IGNORE, voc_colour
from dldemo.shared.data import DATASETS, Source, fetch_dataset, verify_dataset
from dldemo.shared.data.cli import data_group
from dldemo.shared.errors import UserError

SIZE = (6, 8)  # (height, width) of every generated pair


def write_image(path: Path, size: tuple[int, int] = SIZE, value: int = 90) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((*size, 3), value, np.uint8)).save(path)
    return path


def write_mask(path: Path, values: np.ndarray, palette: list[int] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(values.astype(np.uint8), "L")
    if palette is not None:
        image = image.convert("P")  # keeps the values as palette indices
        image.putpalette(palette)
    image.save(path)
    return path


def pattern(values: list[int], size: tuple[int, int] = SIZE) -> np.ndarray:
    """A mask whose rows cycle through `values`."""
    return np.resize(np.asarray(values, np.uint8), size[0])[:, None].repeat(size[1], axis=1)


def message(error: pytest.ExceptionInfo[UserError]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


# Pascal VOC -------------------------------------------------------------------------------------

VOC_PALETTE = [c for i in range(256) for c in voc_colour(i)]
VOC_STEMS = {"train": ["2007_000032", "2007_000039"], "val": ["2007_000033"]}


def make_voc(root: Path, values: tuple[int, ...] = (0, 15, 255)) -> Path:
    """root/VOCdevkit/VOC2012 with palette masks; returns the VOC2012 folder."""
    base = root / "VOCdevkit" / "VOC2012"
    lists = base / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True)
    for split, stems in (*VOC_STEMS.items(), ("trainval", sum(VOC_STEMS.values(), []))):
        (lists / f"{split}.txt").write_text("".join(f"{s}\n" for s in stems))
    for stem in sum(VOC_STEMS.values(), []):
        write_image(base / "JPEGImages" / f"{stem}.jpg")
        write_mask(base / "SegmentationClass" / f"{stem}.png", pattern(list(values)), VOC_PALETTE)
    return base


def test_voc_reads_palette_indices_not_colours(tmp_path: Path) -> None:
    base = make_voc(tmp_path)
    with Image.open(base / "SegmentationClass" / "2007_000032.png") as png:
        assert png.mode == "P" and png.convert("RGB").getpixel((0, 1)) == (192, 128, 128)  # person
    data = voc("train", tmp_path)
    assert data.name == "voc-train" and data.labels == VOC and VOC.num_classes == 21
    assert VOC.names[15] == "person" and VOC.names[20] == "tvmonitor"
    assert [p.stem for p in data.images] == [p.stem for p in data.masks] == VOC_STEMS["train"]
    image, mask = data.load(0)
    assert image.shape == (*SIZE, 3) and mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, pattern([0, 15, 255]))


def test_voc_root_may_be_the_voc2012_folder_and_test_is_val(tmp_path: Path) -> None:
    base = make_voc(tmp_path)
    assert len(voc("trainval", base)) == 3
    test = voc("test", base)
    assert test.name == "voc-val" and [p.stem for p in test.images] == VOC_STEMS["val"]
    assert open_split(str(tmp_path), "val").name == "voc-val"
    assert open_split(str(base), "train").name == "voc-train"


def test_voc_value_outside_the_classes_is_an_error(tmp_path: Path) -> None:
    make_voc(tmp_path, values=(0, 21))
    with pytest.raises(UserError) as err:
        voc("val", tmp_path).load(0)
    text = message(err)
    assert "2007_000033.png has value 21" in text and "0-20, 255" in text


def test_voc_missing_listed_file_is_reported(tmp_path: Path) -> None:
    base = make_voc(tmp_path)
    (base / "JPEGImages" / "2007_000039.jpg").unlink()
    with pytest.raises(UserError, match=r"1 listed files are missing \(e\.g\. .*2007_000039\.jpg\)"):
        voc("train", tmp_path)


def test_voc_folder_without_its_layout_is_reported(tmp_path: Path) -> None:
    (tmp_path / "JPEGImages").mkdir()
    with pytest.raises(UserError, match="not a Pascal VOC 2012 folder.*dldemo data fetch voc2012"):
        voc("train", tmp_path)


# Oxford-IIIT Pet --------------------------------------------------------------------------------

PET_STEMS = [f"Abyssinian_{i}" for i in range(1, 13)]


def make_pets(root: Path) -> Path:
    """12 trainval and 2 test pets; each trimap's rows cycle through 1, 2, 3 (pet, background, border)."""
    annotations = root / "annotations"
    (annotations / "trimaps").mkdir(parents=True)
    test = ["beagle_1", "beagle_2"]
    (annotations / "trainval.txt").write_text("".join(f"{s} 1 1 1\n" for s in PET_STEMS))
    (annotations / "test.txt").write_text("".join(f"{s} 4 2 1\n" for s in test))
    for stem in PET_STEMS + test:
        write_image(root / "images" / f"{stem}.jpg")
        write_mask(annotations / "trimaps" / f"{stem}.png", pattern([1, 2, 3]))
    (annotations / "trimaps" / "._Abyssinian_1.png").write_bytes(b"AppleDouble junk")
    return root


def test_pets_trimap_values_become_background_pet_and_void(tmp_path: Path) -> None:
    data = pets("trainval", make_pets(tmp_path))
    assert data.labels.names == ("background", "pet") and len(data) == 12
    _, mask = data.load(0)
    np.testing.assert_array_equal(mask, pattern([1, 0, IGNORE]))


def test_pets_val_is_every_tenth_of_trainval_and_train_the_rest(tmp_path: Path) -> None:
    make_pets(tmp_path)
    val, train = pets("val", tmp_path), pets("train", tmp_path)
    assert [p.stem for p in val.images] == [PET_STEMS[0], PET_STEMS[10]]
    assert [p.stem for p in train.images] == [s for i, s in enumerate(PET_STEMS) if i not in (0, 10)]
    assert [p.stem for p in pets("test", tmp_path).masks] == ["beagle_1", "beagle_2"]
    assert open_split(str(tmp_path), "val").images == val.images


# Generic folder ---------------------------------------------------------------------------------


def make_folder(root: Path, stems: list[str], sub: str = "", values: tuple[int, ...] = (0, 2, 255)) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("road\ncar\nsky\n")
    for stem in stems:
        write_image(root / "images" / sub / f"{stem}.png")
        write_mask(root / "masks" / sub / f"{stem}.png", pattern(list(values)))
    return root


def test_folder_holds_out_every_tenth_pair(tmp_path: Path) -> None:
    stems = [f"img{i:02d}" for i in range(12)]
    base = make_folder(tmp_path / "mine", stems)
    train, val, test = (folder(s, base) for s in ("train", "val", "test"))
    assert [p.stem for p in val.images] == [p.stem for p in val.masks] == ["img00", "img10"]
    assert len(train) == 10 and not set(train.images) & set(val.images)
    assert test.images == val.images and (train.name, test.name) == ("mine-train", "mine-val")
    assert train.labels.names == ("road", "car", "sky")
    _, mask = train.load(0)
    np.testing.assert_array_equal(mask, pattern([0, 2, 255]))


def test_folder_split_subfolders_are_used(tmp_path: Path) -> None:
    base = tmp_path / "mine"
    make_folder(base, ["a", "b"], "train")
    make_folder(base, ["c"], "val")
    assert [p.stem for p in open_split(str(base), "train").images] == ["a", "b"]
    assert [p.stem for p in folder("test", base).images] == ["c"]  # no test folder: val
    make_folder(base, ["d"], "test")
    test = folder("test", base)
    assert test.name == "mine-test" and [p.stem for p in test.masks] == ["d"]


def test_folder_mask_value_beyond_the_classes_is_an_error(tmp_path: Path) -> None:
    base = make_folder(tmp_path, ["a"], values=(0, 7))
    with pytest.raises(UserError) as err:
        folder("val", base).load(0)
    text = message(err)
    assert f"{base / 'masks' / 'a.png'} has value 7" in text and "0-2, 255" in text


def test_folder_needs_classes_txt(tmp_path: Path) -> None:
    base = make_folder(tmp_path, ["a"])
    (base / "classes.txt").unlink()
    with pytest.raises(UserError, match=r"classes\.txt not found.*one per line"):
        folder("train", base)
    (base / "classes.txt").write_text("road\n\nsky\n")
    with pytest.raises(UserError, match="one per non-empty line"):
        folder("train", base)


# CamVid ---------------------------------------------------------------------------------------


def make_camvid(root: Path, values: tuple[int, ...] = (0, 10, 11)) -> Path:
    for split in ("train", "val", "test"):
        write_image(root / split / "images" / f"{split}_1.jpg")
        write_mask(root / split / "labels" / f"{split}_1.png", pattern(list(values)))
    return root


def test_camvid_style_folder_maps_void_to_ignore(tmp_path: Path) -> None:
    data = open_split(str(make_camvid(tmp_path / "street")), "test")
    assert data.name == "street-test" and data.labels == CAMVID
    _, mask = data.load(0)
    np.testing.assert_array_equal(mask, pattern([0, 10, IGNORE]))


def test_camvid_style_label_above_void_is_an_error(tmp_path: Path) -> None:
    make_camvid(tmp_path, values=(3, 12))
    with pytest.raises(UserError, match=r"has value 12, but .* hold only 0-11, 255"):
        open_split(str(tmp_path), "train").load(0)


@pytest.mark.dataset
def test_real_camvid_splits() -> None:
    root = os.environ.get("DLDEMO_DATA")
    if not root or not (Path(root) / "camvid").is_dir():
        pytest.skip("no CamVid under DLDEMO_DATA: `dldemo data fetch camvid`")
    values: set[int] = set()
    for split, count in (("train", 367), ("val", 101), ("test", 233)):
        data = camvid(split)
        assert len(data) == count and data.labels == CAMVID
        for image_path, mask_path in zip(data.images, data.masks, strict=True):
            mask = data.lookup[read_mask(mask_path)]
            with Image.open(image_path) as image:
                assert image.size == (mask.shape[1], mask.shape[0]), image_path
            values |= set(np.unique(mask).tolist())
        image, mask = data.load(count - 1)
        assert image.shape == (360, 480, 3) and mask.shape == (360, 480)
    assert values == set(range(11)) | {IGNORE}


# Errors -----------------------------------------------------------------------------------------


def test_mismatched_stems_are_reported(tmp_path: Path) -> None:
    base = make_folder(tmp_path, ["a", "b"])
    write_mask(base / "masks" / "c.png", pattern([0]))
    with pytest.raises(UserError) as err:
        folder("train", base)
    assert "0 images without a mask and 1 masks without an image (e.g. mask stem c)" in message(err)


def test_mask_of_another_size_is_reported(tmp_path: Path) -> None:
    base = make_folder(tmp_path, ["a"])
    write_mask(base / "masks" / "a.png", pattern([0], (5, 8)))
    with pytest.raises(UserError) as err:
        folder("val", base).load(0)
    assert "is 8x5 but its image" in message(err) and "is 8x6" in message(err)


def test_rgb_mask_is_reported(tmp_path: Path) -> None:
    base = make_folder(tmp_path, ["a"])
    Image.fromarray(np.zeros((*SIZE, 3), np.uint8)).save(base / "masks" / "a.png")
    with pytest.raises(UserError) as err:
        folder("val", base).load(0)
    assert "is a RGB image: masks must be single-channel" in message(err)


def test_unknown_layout_lists_the_four_layouts(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    with pytest.raises(UserError) as err:
        open_split(str(tmp_path), "train")
    text = message(err)
    assert all(k in text for k in ("CamVid", "Pascal VOC", "Oxford-IIIT Pet", "classes.txt"))
    with pytest.raises(UserError, match="is not a folder"):
        open_split(str(tmp_path / "absent"), "train")


@pytest.mark.parametrize("make", [make_voc, make_pets, lambda p: make_folder(p, ["a"]), make_camvid])
def test_unknown_split_names_the_choices(tmp_path: Path, make) -> None:
    make(tmp_path)
    with pytest.raises(UserError, match=r"unknown .*split 'training': choose one of train, val"):
        open_split(str(tmp_path), "training")


def test_camvid_unknown_split_before_the_data_root(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown CamVid split 'dev'"):
        camvid("dev", str(tmp_path))


# The voc2012 and oxford-pets fetch entries -----------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name", ["voc2012", "oxford-pets"])
def test_fetch_entries_pin_official_archives(name: str) -> None:
    spec = DATASETS[name]
    assert spec.description and "\n" not in spec.description and spec.licence and spec.citation
    for src in spec.sources:
        assert re.fullmatch(r"https?://(host|www)\.robots\.ox\.ac\.uk/\S+\.tar(\.gz)?", src.url)
        assert re.fullmatch(r"[0-9a-f]{64}", src.sha256 or "") and src.extract and src.keep
        assert all(not k.startswith("/") and ".." not in k.split("/") for k in src.keep)
    kept = [f"{s.dest}/{k}".lstrip("/") for s in spec.sources for k in s.keep]
    assert all(any(req == k or req.startswith(k + "/") for k in kept) for req in spec.required)


def test_keep_needs_a_pinned_archive() -> None:
    with pytest.raises(ValueError, match="pinned by sha256"):
        Source("https://example.org/a.tar", "", extract=True, keep=("a",))


def make_tar(path: Path, files: dict[str, bytes]) -> bytes:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path.read_bytes()


def png_bytes(values: np.ndarray, palette: list[int] | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(values.astype(np.uint8), "L")
    if palette is not None:
        image = image.convert("P")
        image.putpalette(palette)
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((*SIZE, 3), 90, np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def mini_voc_tar(path: Path) -> bytes:
    base = "VOCdevkit/VOC2012"
    files = {
        f"{base}/ImageSets/Segmentation/{s}.txt": "".join(f"{x}\n" for x in v).encode()
        for s, v in VOC_STEMS.items()
    }
    for stem in sum(VOC_STEMS.values(), []):
        files[f"{base}/JPEGImages/{stem}.jpg"] = jpeg_bytes()
        files[f"{base}/SegmentationClass/{stem}.png"] = png_bytes(pattern([0, 15, 255]), VOC_PALETTE)
        files[f"{base}/Annotations/{stem}.xml"] = b"<annotation/>"  # not kept
    files[f"{base}/ImageSets/Segmentation/trainval.txt"] = b"2007_000032\n2007_000039\n2007_000033\n"
    files[f"{base}/ImageSets/Main/train.txt"] = b"not kept\n"
    return make_tar(path, files)


@pytest.fixture
def served_voc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The voc2012 entry pointed at a small VOC-like tar on a file:// URL; returns (tar path, source)."""
    archive = tmp_path / "remote" / "VOCtrainval_11-May-2012.tar"
    archive.parent.mkdir()
    data = mini_voc_tar(archive)
    source = dataclasses.replace(DATASETS["voc2012"].sources[0], url=archive.as_uri(), sha256=sha(data))
    monkeypatch.setitem(DATASETS, "voc2012", dataclasses.replace(DATASETS["voc2012"], sources=(source,)))
    return archive, source


def test_fetch_voc2012_keeps_the_segmentation_folders(tmp_path: Path, served_voc) -> None:
    archive, source = served_voc
    root = tmp_path / "data"
    folder_path = fetch_dataset("voc2012", root, progress=False)
    base = folder_path / "VOCdevkit" / "VOC2012"
    assert sorted(p.name for p in base.iterdir()) == ["ImageSets", "JPEGImages", "SegmentationClass"]
    assert [p.name for p in (base / "ImageSets").iterdir()] == ["Segmentation"]
    assert sorted(p.name for p in folder_path.iterdir()) == [
        ".VOCtrainval_11-May-2012.tar.sha256",
        "VOCdevkit",
    ]
    report = verify_dataset("voc2012", root)
    assert report.passed and report.ok == 9  # 3 images, 3 masks, 3 lists
    _, mask = voc("val", root=folder_path).load(0)
    np.testing.assert_array_equal(mask, pattern([0, 15, 255]))
    archive.unlink()
    fetch_dataset("voc2012", root, progress=False)  # all present: nothing downloaded
    (base / "JPEGImages" / "2007_000033.jpg").write_bytes(b"edited")
    report = verify_dataset("voc2012", root)
    assert report.mismatched == ["VOCdevkit/VOC2012/JPEGImages/2007_000033.jpg"]
    (folder_path / source.kept_manifest).unlink()
    assert verify_dataset("voc2012", root).missing == [source.kept_manifest]


def test_fetch_archive_with_another_hash_keeps_nothing(tmp_path: Path, served_voc, monkeypatch) -> None:
    _, source = served_voc
    wrong = dataclasses.replace(source, sha256=sha(b"the official archive"))
    monkeypatch.setitem(DATASETS, "voc2012", dataclasses.replace(DATASETS["voc2012"], sources=(wrong,)))
    with pytest.raises(UserError, match=r"sha256 mismatch for file://.*VOCtrainval_11-May-2012\.tar"):
        fetch_dataset("voc2012", tmp_path / "data", progress=False)
    assert not [p for p in (tmp_path / "data").rglob("*") if p.is_file()]


def test_fetch_archive_without_a_kept_folder_is_an_error(tmp_path: Path, served_voc, monkeypatch) -> None:
    _, source = served_voc
    odd = dataclasses.replace(source, keep=(*source.keep, "VOCdevkit/VOC2012/SegmentationObject"))
    monkeypatch.setitem(DATASETS, "voc2012", dataclasses.replace(DATASETS["voc2012"], sources=(odd,)))
    with pytest.raises(UserError, match="has no VOCdevkit/VOC2012/SegmentationObject"):
        fetch_dataset("voc2012", tmp_path / "data", progress=False)
    assert not (tmp_path / "data" / "voc2012" / odd.kept_manifest).exists()


def test_fetch_refuses_an_archive_member_outside_the_folder(tmp_path: Path, monkeypatch) -> None:
    archive = tmp_path / "remote" / "images.tar.gz"
    archive.parent.mkdir()
    data = make_tar(archive, {"images/a.jpg": b"a", "../../escaped.txt": b"evil"})
    source = dataclasses.replace(DATASETS["oxford-pets"].sources[0], url=archive.as_uri(), sha256=sha(data))
    monkeypatch.setitem(
        DATASETS, "oxford-pets", dataclasses.replace(DATASETS["oxford-pets"], sources=(source,))
    )
    with pytest.raises(UserError, match="refusing to extract"):
        fetch_dataset("oxford-pets", tmp_path / "data", progress=False)
    assert not list(tmp_path.rglob("escaped.txt"))


def test_cli_fetches_oxford_pets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = tmp_path / "remote"
    remote.mkdir()
    trimap = png_bytes(pattern([1, 2, 3]))
    images = make_tar(remote / "images.tar.gz", {f"images/{s}.jpg": jpeg_bytes() for s in ("cat_1", "dog_1")})
    annotations = make_tar(
        remote / "annotations.tar.gz",
        {
            "annotations/trimaps/cat_1.png": trimap,
            "annotations/trimaps/dog_1.png": trimap,
            "annotations/trainval.txt": b"cat_1 1 1 1\n",
            "annotations/test.txt": b"dog_1 2 2 1\n",
            "annotations/list.txt": b"# list\ncat_1 1 1 1\ndog_1 2 2 1\n",
            "annotations/xmls/cat_1.xml": b"<annotation/>",
        },
    )
    spec = DATASETS["oxford-pets"]
    sources = tuple(
        dataclasses.replace(src, url=(remote / name).as_uri(), sha256=sha(data))
        for src, (name, data) in zip(
            spec.sources, (("images.tar.gz", images), ("annotations.tar.gz", annotations)), strict=True
        )
    )
    monkeypatch.setitem(DATASETS, "oxford-pets", dataclasses.replace(spec, sources=sources))
    root = str(tmp_path / "data")
    result = CliRunner().invoke(data_group, ["fetch", "oxford-pets", "--data", root])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "data" / "oxford-pets" / "annotations" / "xmls").exists()
    verified = CliRunner().invoke(data_group, ["verify", "oxford-pets", "--data", root])
    assert verified.exit_code == 0 and "oxford-pets: 7 ok" in verified.output
    _, mask = pets("test", tmp_path / "data" / "oxford-pets").load(0)
    np.testing.assert_array_equal(mask, pattern([1, 0, IGNORE]))
