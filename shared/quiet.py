"""Library noise a user cannot act on, silenced: TensorFlow's native start-up lines (printed before its
logging is set up, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them) and its retracing warnings."""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile

NOISE = re.compile(
    "|".join(
        [
            r"All log messages before absl::InitializeLog\(\) is called",
            r"oneDNN custom operations are on",
            r"cpu_feature_guard\.cc",
            r"To enable the following instructions: ",
            r"Could not find cuda drivers",
            r"Unable to register cu(DNN|FFT|BLAS) factory",
            r"computation placer already registered",
            r"TF-TRT Warning: Could not find TensorRT",
        ]
    )
)


def import_keras_quietly() -> None:
    """Import Keras and its backend (``choose_backend``: a UserError when it is not installed) with those
    lines filtered out of stderr (whatever else the import prints still shows), and keep TensorFlow's
    Python logger to errors."""
    if "keras" not in sys.modules:
        from dldemo.shared.backend import choose_backend

        choose_backend()
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as captured:
            os.dup2(captured.fileno(), 2)
            try:
                import keras  # noqa: F401
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                captured.seek(0)
                kept = [line for line in captured.read().decode(errors="replace").splitlines()
                        if line.strip() and not NOISE.search(line)]  # fmt: skip
                if kept:
                    print("\n".join(kept), file=sys.stderr)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # "N out of the last M calls ... retracing"
