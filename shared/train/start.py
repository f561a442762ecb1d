"""The start of every training run: a new run from a preset and overrides, or ``--resume`` of one.

``start_run`` builds the run's config (preset, recipe, the app's settings, seed, backend, precision),
seeds every generator, and leaves the folder to be created by ``RunStart.create`` once the app has
checked everything that can fail, so a failed start leaves no run folder behind. In a cluster only
process 0 writes the run folder; the others train in a scratch copy (see ``cluster``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeVar

import keras

from dldemo.shared.errors import UserError
from dldemo.shared.train.checkpoint import load_checkpoint
from dldemo.shared.train.cluster import is_primary, scratch_copy, scratch_folder
from dldemo.shared.train.distribute import device_setup, list_devices, prepare_devices
from dldemo.shared.train.rundir import RunDir, create_run_dir, open_run_dir
from dldemo.shared.train.seeding import seed_everything

Recipe = TypeVar("Recipe")


@dataclass
class RunStart:
    """A run about to train: its config, and its folder once it exists (at once when resumed)."""

    app: str
    config: dict
    run: RunDir | None  # the resumed run's folder; a new run's once `create` made it
    resumed: bool
    run_dir: str | None = None  # where `create` puts a new run (None: runs/APP/<timestamp>)

    @property
    def seed(self) -> int:
        return self.config["seed"]

    def recipe(self, recipe_type: type[Recipe], **nested: type) -> Recipe:
        """The config's recipe as ``recipe_type``; ``nested`` names fields that are dataclasses too.

        JSON gives lists where the recipe had tuples: they become tuples again, so the recipe equals the
        preset it came from."""
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in self.config["recipe"].items()}
        try:
            for name, field_type in nested.items():
                fields[name] = field_type(**fields[name])
            return recipe_type(**fields)
        except (KeyError, TypeError) as error:  # only a resumed run's config.json can be off
            raise self.bad_config(f"a recipe this version cannot read ({error})") from None

    def bad_config(self, problem: str) -> UserError:
        """The error for a resumed run whose config.json has ``problem`` (the run is unlocked: it will not
        train)."""
        self.run.unlock()
        return UserError(f"{self.run.config_path} has {problem}: restore it or start a new run")

    def prepare_devices(self, batch_size: int, *, spread: bool = True) -> int:
        """Precision policy and data parallelism for this run (as it was first started); ``spread=False``
        keeps training on one device."""
        count = prepare_devices(batch_size, self.config.get("mixed_precision", False), spread=spread)
        if not self.resumed:  # a resumed run's config.json keeps what it started with
            self.config.update(device_setup(None if spread else list_devices()[:1]))
        return count

    def load_checkpoint(self, custom_objects: Mapping | None = None) -> keras.Model:
        """The resumed run's latest checkpoint, compiled, with its optimizer state."""
        return load_checkpoint(self.run.checkpoint_path, custom_objects=custom_objects)

    def create(self) -> RunDir:
        """The new run's folder with its config.json (the resumed run's folder when resuming)."""
        if self.run is None:
            run_dir = self.run_dir if is_primary() else scratch_folder() / "run"
            self.run = create_run_dir(self.app, self.config, run_dir=run_dir)
        return self.run


def start_run(
    app: str,
    *,
    presets: Mapping[str, Any],
    preset: str = "cpu",
    overrides: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    seed: int = 0,
    mixed_precision: bool = False,
    run_dir: str | None = None,
    resume: str | None = None,
    extend: Mapping[str, Any] | None = None,
) -> RunStart:
    """A new run's config (``presets[preset]`` with the non-None ``overrides``, plus ``settings``), or,
    with ``resume``, the config of that run with the non-None recipe fields in ``extend`` changed (more
    epochs or steps extend a run; nothing else may change). Every generator is seeded with the run's seed.
    """
    if resume:
        run = open_run_dir(resume if is_primary() else scratch_copy(resume), app=app)
        config = run.config()
        if not isinstance(config.get("recipe"), dict) or not isinstance(config.get("seed"), int):
            raise RunStart(app, config, run, resumed=True).bad_config("no recipe or no seed")
        config["recipe"].update({k: v for k, v in (extend or {}).items() if v is not None})
    else:
        recipe = replace(presets[preset], **{k: v for k, v in (overrides or {}).items() if v is not None})
        run = None
        config = {
            "preset": preset,
            "recipe": asdict(recipe),
            **(settings or {}),
            "seed": seed,
            "mixed_precision": mixed_precision,
            "backend": keras.backend.backend(),
        }
    seed_everything(config["seed"])
    return RunStart(app, config, run, resumed=run is not None, run_dir=run_dir)
