"""Parallel sentence pairs: reading, cleaning, Anki files, splits, and the real Multi30k and Tatoeba."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from dldemo.apps.translate.corpus import (
    Pairs,
    load_anki,
    load_files,
    load_multi30k,
    load_pairs,
    load_tatoeba,
    pair_lines,
    read_lines,
    split_by_english,
)
from dldemo.shared.errors import UserError


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def real_root(name: str) -> Path:
    """DLDEMO_DATA when it holds dataset ``name``; the test is skipped otherwise."""
    root = os.environ.get("DLDEMO_DATA")
    if not root or not (Path(root) / name).is_dir():
        pytest.skip(f"{name} is not under DLDEMO_DATA ({root or 'not set'}): `dldemo data fetch {name}`")
    return Path(root)


def test_read_lines_gz_and_plain_agree_and_keep_inner_whitespace(tmp_path: Path) -> None:
    text = "\ufeffA dog runs.\r\n  two  spaces \nlast line without newline"
    plain = write(tmp_path / "a.txt", text)
    packed = tmp_path / "a.txt.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    expected = ["A dog runs.", "  two  spaces ", "last line without newline"]
    assert read_lines(plain) == expected
    assert read_lines(packed) == expected


def test_read_lines_bad_encoding_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.de"
    path.write_bytes(b"eins\nzwei\n" + "drei Gr\xfc\xdfe\n".encode("latin-1"))
    with pytest.raises(UserError, match=r"bad\.de line 3 .*UTF-8"):
        read_lines(path)


def test_read_lines_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="nope.txt"):
        read_lines(tmp_path / "nope.txt")


def test_misaligned_files_name_both_counts(tmp_path: Path) -> None:
    src = write(tmp_path / "train.en", "a\nb\nc\n")
    tgt = write(tmp_path / "train.de", "x\ny\n")
    with pytest.raises(UserError, match=r"train\.en has 3 lines but .*train\.de has 2.*not line-aligned"):
        load_files(src, tgt)


def test_empty_sides_are_skipped_and_counted() -> None:
    pairs = pair_lines(
        ["one", "  ", "three", "four"], ["eins", "zwei", "", "vier"], source_name="s", target_name="t"
    )
    assert pairs == Pairs(["one", "four"], ["eins", "vier"], skipped=2)
    assert len(pairs) == 2


def test_special_spaces_are_normalised_and_collapsed() -> None:
    pairs = pair_lines(
        ["  Hello   there \u2009 you "],
        ["Bonjour\u202f!\u00a0\u00a0Ça va\u202f?"],
        source_name="s",
        target_name="t",
    )
    assert pairs.source == ["Hello there you"]
    assert pairs.target == ["Bonjour ! Ça va ?"]


def test_anki_drops_attribution_and_can_reverse(tmp_path: Path) -> None:
    path = write(
        tmp_path / "fra.txt",
        "Go.\tVa\u202f!\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\nHi.\tSalut.\n\nRun!\t\n",
    )
    pairs = load_anki(path)
    assert pairs == Pairs(["Go.", "Hi."], ["Va !", "Salut."], skipped=2)
    assert load_anki(path, reverse=True) == Pairs(["Va !", "Salut."], ["Go.", "Hi."], skipped=2)


def test_anki_line_without_tab_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "fra.txt", "Go.\tVa !\nHi.\tSalut.\nno tab here\n")
    with pytest.raises(UserError, match=r"fra\.txt line 3 has no tab"):
        load_anki(path)


def test_split_by_english_is_disjoint_exact_and_stable() -> None:
    english = [f"sentence {i // 3}" for i in range(300)]  # every English sentence has three translations
    english += [f"single {i}" for i in range(100)]
    pairs = Pairs(english, [f"phrase {i}" for i in range(len(english))])
    splits = split_by_english(pairs, held_out=20)
    assert [len(splits[name]) for name in ("val", "test")] == [20, 20]
    assert sum(len(part) for part in splits.values()) == len(pairs)
    sets = {name: set(part.source) for name, part in splits.items()}
    assert (
        not sets["train"] & sets["val"]
        and not sets["train"] & sets["test"]
        and not sets["val"] & sets["test"]
    )
    shuffled = Pairs(pairs.source[::-1], pairs.target[::-1])
    assert {name: set(part.source) for name, part in split_by_english(shuffled, 20).items()} == sets


def test_split_by_english_needs_enough_pairs() -> None:
    with pytest.raises(UserError, match="only 3 pairs"):
        split_by_english(Pairs(["a", "b", "c"], ["x", "y", "z"]), held_out=2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: load_multi30k("dev"), r"unknown Multi30k split 'dev'.*train, val, test2016"),
        (lambda: load_multi30k("val", "en-es"), r"unknown language pair 'en-es'.*en, de, fr"),
        (lambda: load_multi30k("val", "en-en"), r"unknown language pair 'en-en'"),
        (lambda: load_tatoeba("val2"), r"unknown Tatoeba split 'val2'.*train, val, test"),
        (lambda: load_tatoeba("val", "en-de"), r"unknown Tatoeba language pair 'en-de'.*en-fr, fr-en"),
    ],
)
def test_unknown_split_or_language(call, message: str) -> None:
    with pytest.raises(UserError, match=message):
        call()


def test_missing_dataset_gives_the_fetch_hint(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="dldemo data fetch multi30k"):
        load_multi30k("val", root=tmp_path)


def test_load_pairs_from_a_folder_of_split_files(tmp_path: Path) -> None:
    write(tmp_path / "val.en", "A cat.\nA dog.\n")
    (tmp_path / "val.de.gz").write_bytes(gzip.compress(b"Eine Katze.\nEin Hund.\n"))
    assert load_pairs("en-de", "val", str(tmp_path)) == Pairs(
        ["A cat.", "A dog."], ["Eine Katze.", "Ein Hund."]
    )
    assert load_pairs("de-en", "val", str(tmp_path)).source == ["Eine Katze.", "Ein Hund."]
    with pytest.raises(UserError, match=r"no 'en-de' train data .*tatoeba.*fra\.txt.*train\.SRC"):
        load_pairs("en-de", "train", str(tmp_path))


def test_load_pairs_from_a_folder_with_fra_txt(tmp_path: Path) -> None:
    write(tmp_path / "fra.txt", "".join(f"English {i}.\tFrançais {i}.\n" for i in range(4100)))
    val = load_pairs("fr-en", "val", str(tmp_path))
    assert len(val) == 2000
    assert all(f.replace("Français", "English") == e for f, e in zip(val.source, val.target, strict=True))


@pytest.mark.dataset
def test_real_multi30k_val_en_de() -> None:
    root = real_root("multi30k")
    pairs = load_multi30k("val", "en-de", root=root)
    assert len(pairs) == 1014 and pairs.skipped == 0
    with gzip.open(root / "multi30k" / "val.en.gz", "rt", encoding="utf-8") as en:
        first_en = en.readline().strip()
    with gzip.open(root / "multi30k" / "val.de.gz", "rt", encoding="utf-8") as de:
        first_de = de.readline().strip()
    assert (pairs.source[0], pairs.target[0]) == (first_en, first_de)
    assert len(load_multi30k("test2016", "fr-en", root=root)) == 1000


@pytest.mark.dataset
def test_real_tatoeba_splits() -> None:
    root = real_root("tatoeba-fra-eng")
    splits = split_by_english(load_anki(root / "tatoeba-fra-eng" / "fra.txt"), 2000)
    assert len(splits["val"]) == len(splits["test"]) == 2000
    assert sum(len(part) for part in splits.values()) == 142_787
    sets = {name: set(part.source) for name, part in splits.items()}
    assert (
        not sets["train"] & sets["val"]
        and not sets["train"] & sets["test"]
        and not sets["val"] & sets["test"]
    )
    assert not any("\u202f" in text or "\u00a0" in text for text in splits["train"].target)
    test = load_tatoeba("test", "fr-en", root=root)
    assert (test.source, test.target) == (splits["test"].target, splits["test"].source)
