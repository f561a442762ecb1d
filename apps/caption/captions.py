"""Caption text and the Flickr8k dataset: normalised words, the vocabulary, and (image, captions) splits.

Words are lower-case runs of letters and digits (punctuation dropped). The vocabulary keeps the words seen at
least ``min_count`` times in the training captions (Xu et al. 2015 and Karpathy's splits use 5); the others
read ``<unk>``. Ids 0-3 are pad, bos, eos and unk.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dldemo.shared.data import dataset_path
from dldemo.shared.data.images import IMAGE_SUFFIXES
from dldemo.shared.errors import UserError

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
SPLITS = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
DATASET = "flickr8k"
TOKENS_FILE = "Flickr8k.token.txt"


def words_of(text: str) -> list[str]:
    """Lower-case words of a caption, punctuation dropped: "A dog's ball." -> ["a", "dog", "s", "ball"]."""
    return re.findall(r"[a-z0-9]+", text.lower())


class Vocabulary:
    """Words <-> ids, with pad/bos/eos/unk first."""

    def __init__(self, words: Sequence[str]) -> None:
        if tuple(words[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with {SPECIALS}")
        self.words = list(words)
        self.ids = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def build(cls, captions: Iterable[str], min_count: int) -> Vocabulary:
        """The words seen at least ``min_count`` times, most frequent first (ties alphabetical)."""
        counts = Counter(word for caption in captions for word in words_of(caption))
        kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, caption: str, max_words: int | None = None) -> list[int]:
        """Word ids of a caption followed by eos; at most ``max_words`` words."""
        words = words_of(caption)[:max_words]
        return [self.ids.get(word, UNK) for word in words] + [EOS]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The words of ``ids`` up to the first eos (pad and bos skipped)."""
        words = []
        for i in ids:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                words.append(self.words[i])
        return words


@dataclass(frozen=True)
class Split:
    """Images of one split with their reference captions (in the token file's order)."""

    name: str
    images: list[Path]
    captions: list[list[str]]

    def __len__(self) -> int:
        return len(self.images)

    def references(self) -> list[list[list[str]]]:
        """Every photo's reference captions as word lists (the metrics' input)."""
        return [[words_of(caption) for caption in captions] for captions in self.captions]

    def first(self, count: int | None) -> Split:
        if count is None or count >= len(self):
            return self
        return Split(self.name, self.images[:count], self.captions[:count])


def read_tokens(path: Path) -> dict[str, list[str]]:
    """{image file name: its captions} from Flickr8k.token.txt (``<name>#<n><TAB><caption>``)."""
    captions: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, caption = line.partition("\t")
        name = key.rpartition("#")[0]
        if name and caption.strip():
            captions.setdefault(name, []).append(caption.strip())
    return captions


def image_index(folder: Path) -> dict[str, Path]:
    """Every image under ``folder`` by file name; a 224 px copy (``images224``) wins over another one."""
    index: dict[str, Path] = {}
    paths = [p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
    for path in sorted(paths, key=lambda p: ("224" not in p.parent.name, str(p))):
        index.setdefault(path.name, path)
    return index


def load_split(split: str, data: str | None = None) -> Split:
    """One official split with every image present: a clear error names what is missing and the fix."""
    if split not in SPLITS:
        raise UserError(f"unknown Flickr8k split {split!r}: use one of {', '.join(SPLITS)}")
    folder = dataset_path(DATASET, data)
    text = folder / "text"
    names = [line.strip() for line in (text / SPLITS[split]).read_text().splitlines() if line.strip()]
    references = read_tokens(text / TOKENS_FILE)
    index = image_index(folder)
    missing = [name for name in names if name not in index]
    if missing:
        raise UserError(
            f"Flickr8k {split}: {len(missing)} of its {len(names)} images are not under {folder} "
            f"(e.g. {missing[0]}): put them there (any folder of <id>.jpg, 224 px or full size) or run "
            f"`dldemo data fetch {DATASET}`"
        )
    return Split(split, [index[name] for name in names], [references[name] for name in names])
