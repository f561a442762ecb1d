"""The dataset layer: registry, data root, fetching and verifying, safe extraction, image reading."""

from dldemo.shared.data.extract import safe_extract
from dldemo.shared.data.fetch import VerifyReport, fetch_dataset, verify_dataset
from dldemo.shared.data.images import IMAGE_SUFFIXES, fit_long_side, list_images, load_images, read_image
from dldemo.shared.data.registry import DATASETS, DatasetSpec, Member, Source
from dldemo.shared.data.root import data_root, dataset_path

__all__ = [
    "DATASETS",
    "IMAGE_SUFFIXES",
    "DatasetSpec",
    "Member",
    "Source",
    "VerifyReport",
    "data_root",
    "dataset_path",
    "fetch_dataset",
    "fit_long_side",
    "list_images",
    "load_images",
    "read_image",
    "safe_extract",
    "verify_dataset",
]
