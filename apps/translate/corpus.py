"""Parallel sentence pairs: line-aligned files, Multi30k, Tatoeba/Anki exports, and one front door."""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dldemo.shared.data import dataset_path
from dldemo.shared.errors import UserError

PathLike = str | os.PathLike[str]

MULTI30K_LANGUAGES = ("en", "de", "fr")
MULTI30K_SPLITS = {
    "train": "train",
    "val": "val",
    "test2016": "test_2016_flickr",
    "test": "test_2016_flickr",
    "test_2016_flickr": "test_2016_flickr",
}
TATOEBA_PAIRS = ("en-fr", "fr-en")
TATOEBA_SPLITS = ("train", "val", "test")
TATOEBA_HELD_OUT = 2000  # pairs in each of val and test
TATOEBA_FILE = "fra.txt"


@dataclass(frozen=True)
class Pairs:
    """Aligned source and target sentences; ``skipped`` counts pairs dropped because a side was empty."""

    source: list[str]
    target: list[str]
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.source)

    def swapped(self) -> Pairs:
        """The same pairs in the other direction."""
        return Pairs(self.target, self.source, self.skipped)


def read_lines(path: PathLike) -> list[str]:
    """The lines of a UTF-8 text file, gzipped or plain, without their line endings (a BOM is dropped)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as error:
        raise UserError(f"cannot read {path}: {error}: check the path and that the file is intact") from error
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise UserError(f"{path} line {line} is not valid UTF-8: convert the file to UTF-8") from error
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def clean(text: str) -> str:
    """Strip and collapse whitespace runs (non-breaking and thin spaces included) to one space."""
    return " ".join(text.split())


def pair_lines(
    source_lines: Sequence[str], target_lines: Sequence[str], *, source_name: str, target_name: str
) -> Pairs:
    """Cleaned line pairs; pairs with an empty side are skipped and counted."""
    if len(source_lines) != len(target_lines):
        raise UserError(
            f"{source_name} has {len(source_lines)} lines but {target_name} has {len(target_lines)}: "
            "the files are not line-aligned"
        )
    source, target = [], []
    for src, tgt in zip(source_lines, target_lines, strict=True):
        src, tgt = clean(src), clean(tgt)
        if src and tgt:
            source.append(src)
            target.append(tgt)
    return Pairs(source, target, skipped=len(source_lines) - len(source))


def load_files(source_path: PathLike, target_path: PathLike) -> Pairs:
    """Pairs from two line-aligned text files (plain or .gz)."""
    return pair_lines(
        read_lines(source_path),
        read_lines(target_path),
        source_name=str(source_path),
        target_name=str(target_path),
    )


def parse_pair(pair: str, valid: Sequence[str]) -> tuple[str, str]:
    """``"en-de"`` -> ``("en", "de")`` when both are in ``valid`` and differ."""
    source, _, target = pair.partition("-")
    if source not in valid or target not in valid or source == target:
        raise UserError(
            f"unknown language pair '{pair}': use SRC-TGT with two different languages of {', '.join(valid)}"
        )
    return source, target


def load_multi30k(split: str, pair: str = "en-de", root: PathLike | None = None) -> Pairs:
    """A Multi30k split (train, val, test2016) for a pair of en/de/fr."""
    if split not in MULTI30K_SPLITS:
        raise UserError(f"unknown Multi30k split '{split}': use one of {', '.join(MULTI30K_SPLITS)}")
    source, target = parse_pair(pair, MULTI30K_LANGUAGES)
    folder = dataset_path("multi30k", root)
    name = MULTI30K_SPLITS[split]
    return load_files(folder / f"{name}.{source}.gz", folder / f"{name}.{target}.gz")


def load_anki(path: PathLike, *, reverse: bool = False) -> Pairs:
    """English<TAB>Other[<TAB>attribution] lines as English->Other pairs (Other->English if ``reverse``)."""
    english, other = [], []
    for number, line in enumerate(read_lines(path), start=1):
        columns = line.split("\t")
        if len(columns) < 2 and line.strip():
            raise UserError(
                f"{path} line {number} has no tab: write English<TAB>translation[<TAB>attribution] a line"
            )
        english.append(columns[0])
        other.append(columns[1] if len(columns) > 1 else "")
    pairs = pair_lines(english, other, source_name=f"{path} (English)", target_name=f"{path} (other)")
    return pairs.swapped() if reverse else pairs


def load_tatoeba(split: str, pair: str = "en-fr", root: PathLike | None = None) -> Pairs:
    """A deterministic train/val/test split of the Tatoeba English-French pairs."""
    _check_tatoeba(split, pair)
    return _tatoeba_from_file(dataset_path("tatoeba-fra-eng", root) / TATOEBA_FILE, split, pair)


def _check_tatoeba(split: str, pair: str) -> None:
    """UserError unless ``split`` and ``pair`` exist for Tatoeba."""
    if split not in TATOEBA_SPLITS:
        raise UserError(f"unknown Tatoeba split '{split}': use one of {', '.join(TATOEBA_SPLITS)}")
    if pair not in TATOEBA_PAIRS:
        raise UserError(f"unknown Tatoeba language pair '{pair}': use one of {', '.join(TATOEBA_PAIRS)}")


def _tatoeba_from_file(path: Path, split: str, pair: str) -> Pairs:
    """Load an English-French Anki file, split it, and orient it as ``pair`` (both already checked)."""
    pairs = split_by_english(load_anki(path), TATOEBA_HELD_OUT)[split]
    return pairs if pair == "en-fr" else pairs.swapped()


def _stable_key(text: str) -> bytes:
    """A hash of ``text`` that is the same in every process and Python version."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def split_by_english(pairs: Pairs, held_out: int) -> dict[str, Pairs]:
    """Split English->Other pairs into train/val/test; val and test get ``held_out`` pairs each.

    English sentences are visited in hash order and all pairs of one sentence go to the same split,
    so a sentence never appears in two splits; a group that would overfill val or test goes on.
    """
    if len(pairs) <= 2 * held_out:
        raise UserError(
            f"only {len(pairs)} pairs: val and test take {2 * held_out} and train needs more, "
            "use a bigger file"
        )
    groups: dict[str, list[int]] = {}
    for index, english in enumerate(pairs.source):
        groups.setdefault(english, []).append(index)
    assigned: dict[str, list[int]] = {name: [] for name in TATOEBA_SPLITS}
    for english in sorted(groups, key=_stable_key):
        members = groups[english]
        name = next(
            (name for name in ("val", "test") if len(assigned[name]) + len(members) <= held_out), "train"
        )
        assigned[name].extend(members)
    return {
        name: Pairs(
            [pairs.source[i] for i in sorted(indices)],
            [pairs.target[i] for i in sorted(indices)],
            skipped=pairs.skipped if name == "train" else 0,
        )
        for name, indices in assigned.items()
    }


def load_pairs(pair: str, split: str, data: str | None = None) -> Pairs:
    """The pairs for ``pair`` and ``split`` from ``data``: None (Multi30k), "tatoeba", or a folder."""
    if data is None or data == "multi30k":
        return load_multi30k(split, pair)
    if data == "tatoeba":
        return load_tatoeba(split, pair)
    folder = Path(data).expanduser()
    if (folder / TATOEBA_FILE).is_file():
        _check_tatoeba(split, pair)
        return _tatoeba_from_file(folder / TATOEBA_FILE, split, pair)
    source, _, target = pair.partition("-")
    if folder.is_dir() and source and target:
        names = dict.fromkeys((split, MULTI30K_SPLITS.get(split, split)))
        for name in names:
            paths = [_find(folder, f"{name}.{language}") for language in (source, target)]
            if all(paths):
                return load_files(*paths)
    languages = _languages(folder, split) if folder.is_dir() else []
    if len(languages) >= 2:
        raise UserError(
            f"no '{pair}' {split} data in '{data}', which has {split} files in {', '.join(languages)}: "
            f"pass --pair {languages[0]}-{languages[1]} (or another pair of them)"
        )
    raise UserError(
        f"no '{pair}' {split} data in '{data}': use 'multi30k', 'tatoeba', a folder with {TATOEBA_FILE}, "
        f"or a folder with line-aligned {split}.SRC and {split}.TGT files (optionally .gz)"
    )


def _languages(folder: Path, split: str) -> list[str]:
    """The languages of the ``split.xx`` (or ``split.xx.gz``) files in ``folder``, English first."""
    names = {MULTI30K_SPLITS.get(split, split), split}
    found = {path.name.split(".")[1] for name in names for path in folder.glob(f"{name}.*")}
    return sorted(found, key=lambda language: (language != "en", language))


def _find(folder: Path, name: str) -> Path | None:
    """``folder/name`` or ``folder/name.gz``, whichever exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None
