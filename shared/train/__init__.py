"""Training layer: run start and locked folders, one-file atomic checkpoints, signals, seeded data, ``fit``
with exact resume and progress."""

from dldemo.shared.train.callbacks import ValidationScores
from dldemo.shared.train.checkpoint import load_checkpoint, save_checkpoint
from dldemo.shared.train.dataset import LengthBatches, SeededBatches
from dldemo.shared.train.distribute import configure_distribution, enable_mixed_precision, prepare_devices
from dldemo.shared.train.fit import fit
from dldemo.shared.train.rundir import RunDir, create_run_dir, open_run_dir
from dldemo.shared.train.seeding import seed_everything
from dldemo.shared.train.start import RunStart, start_run

__all__ = [
    "LengthBatches",
    "RunDir",
    "RunStart",
    "SeededBatches",
    "ValidationScores",
    "configure_distribution",
    "create_run_dir",
    "enable_mixed_precision",
    "fit",
    "load_checkpoint",
    "open_run_dir",
    "prepare_devices",
    "save_checkpoint",
    "seed_everything",
    "start_run",
]
