"""What the server hands an app's ``web`` hook when it builds the app's tab."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WebContext:
    """One app's tab: its name, the weights to load (None: the shipped ones), a folder for files the page
    shows (sample photos), and how many of its requests may run at once."""

    app: str
    weights: str | None
    files: Path
    concurrency: int = 2
