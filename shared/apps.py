"""The app registry: every sub-package of dldemo.apps that defines ``APP`` is an app.

Adding an app means adding its folder (and its line in pyproject's package list); no other app changes.
Its verbs are the click commands of its commands module; its tab in `dldemo serve` is the ``tab`` function
of its optional web module.
An app's ``__init__`` stays light: its commands module, which imports Keras, loads only when used.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dldemo import apps as apps_package
from dldemo.shared.errors import UserError

if TYPE_CHECKING:
    from dldemo.shared.web.tab import WebContext

VERBS = ("run", "train", "eval", "record", "bench")


@dataclass(frozen=True)
class App:
    """What the CLI needs to know about an app before importing its heavy parts."""

    name: str
    description: str
    commands_module: str  # defines one click command per verb: run, train, evaluate (eval), record, bench
    weights: Path | None = None  # the shipped weights, loaded by default
    web_module: str | None = None  # defines ``tab(context)``, the app's tab in `dldemo serve` (optional)

    @property
    def has_weights(self) -> bool:
        return self.weights is not None and self.weights.exists()

    def command(self, verb: str) -> click.Command:
        module = importlib.import_module(self.commands_module)
        command = getattr(module, verb.replace("eval", "evaluate"), None)
        if not isinstance(command, click.Command):
            raise UserError(f"app '{self.name}' has no '{verb}' command yet")
        return command

    @property
    def has_web(self) -> bool:
        return self.web_module is not None

    def web_tab(self) -> Callable[[WebContext], None]:
        """The app's ``tab`` hook: builds its part of the browser page (imports Gradio and Keras)."""
        if self.web_module is None:
            raise UserError(f"app '{self.name}' has no browser tab")
        return importlib.import_module(self.web_module).tab


def discover_apps() -> dict[str, App]:
    """All apps, by name, in alphabetical order."""
    found = {}
    for info in pkgutil.iter_modules(apps_package.__path__):
        module = importlib.import_module(f"{apps_package.__name__}.{info.name}")
        app = getattr(module, "APP", None)
        if isinstance(app, App):
            found[app.name] = app
    return dict(sorted(found.items()))


def get_app(name: str) -> App:
    apps = discover_apps()
    if name not in apps:
        raise UserError(f"unknown app '{name}': choose one of {', '.join(apps)} (see `dldemo list`)")
    return apps[name]
