"""File modes: files written through a temporary file get the permissions of a plain new file."""

from __future__ import annotations

import os


def new_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` gives a new file: 0666 less the process's umask (the 0600 of
    ``tempfile.mkstemp`` would hide shipped models and downloaded data from other users)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
