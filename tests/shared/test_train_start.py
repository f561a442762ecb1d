"""start_run: a new run's config from a preset, seeding, no folder before create(), resume and extend."""

import json
import zipfile
from dataclasses import dataclass, field

import keras
import numpy as np
import pytest

from dldemo.shared.errors import UserError
from dldemo.shared.train import ValidationScores, start_run
from dldemo.shared.train.rundir import STATE_ENTRY


@dataclass(frozen=True)
class Shape:
    units: int = 4


@dataclass(frozen=True)
class Recipe:
    epochs: int = 3
    learning_rate: float = 1e-3
    scales: tuple[float, ...] = (0.5, 1.0)  # a list in config.json, a tuple again in the recipe
    shape: Shape = field(default_factory=Shape)


PRESETS = {"tiny": Recipe(epochs=1), "cpu": Recipe()}


def initial_kernel(seed: int, tmp_path) -> np.ndarray:
    start_run("demo", presets=PRESETS, preset="tiny", seed=seed, run_dir=str(tmp_path / f"s{seed}"))
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    return keras.ops.convert_to_numpy(model.layers[0].kernel)


def test_a_new_run_config_holds_the_recipe_overrides_and_settings(tmp_path):
    start = start_run(
        "demo",
        presets=PRESETS,
        preset="cpu",
        overrides={"epochs": 7, "learning_rate": None},
        settings={"data": "photos/"},
        seed=5,
        run_dir=str(tmp_path / "run"),
    )
    assert not start.resumed and start.run is None and not (tmp_path / "run").exists()
    recipe = start.recipe(Recipe, shape=Shape)
    assert recipe == Recipe(epochs=7) and isinstance(recipe.shape, Shape)
    config = start.config
    assert (config["preset"], config["data"], config["seed"], config["mixed_precision"]) == (
        "cpu",
        "photos/",
        5,
        False,
    )
    assert config["backend"] == keras.backend.backend()
    assert start.prepare_devices(batch_size=4) == 1
    assert (config["precision"], config["distribution"]) == ("float32", "one device")
    assert config["devices"] == list(keras.distribution.list_devices())
    run = start.create()
    assert run.path == tmp_path / "run" and json.loads(run.config_path.read_text())["app"] == "demo"
    assert not start.resumed


def test_the_seed_fixes_weight_initialisation(tmp_path):
    same = [initial_kernel(1, tmp_path / "a"), initial_kernel(1, tmp_path / "b")]
    np.testing.assert_array_equal(*same)
    assert not np.array_equal(same[0], initial_kernel(2, tmp_path / "c"))


def test_resume_reopens_the_run_and_only_extends_what_it_is_told(tmp_path):
    first = start_run("demo", presets=PRESETS, preset="tiny", seed=4, run_dir=str(tmp_path / "run"))
    run = first.create()
    with zipfile.ZipFile(run.checkpoint_path, "w") as archive:  # a stub holding the training state
        archive.writestr(STATE_ENTRY, "{}")
    run.unlock()
    resumed = start_run(
        "demo",
        presets=PRESETS,
        preset="cpu",
        seed=0,
        resume=str(run.path),
        extend={"epochs": 6, "shape": None},
    )
    assert resumed.resumed and resumed.run.path == run.path and resumed.create().path == run.path
    assert resumed.seed == 4 and resumed.config["preset"] == "tiny"
    assert resumed.recipe(Recipe, shape=Shape) == Recipe(epochs=6, shape=Shape())


def test_validation_scores_enter_the_epoch_logs(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    calls = []

    def score(scored: keras.Model) -> dict[str, float]:
        calls.append(scored is model)
        return {"bleu": 12.5, "chrf": 40.0}

    history = model.fit(
        np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0, callbacks=[ValidationScores(score)]
    )
    assert calls == [True, True]
    assert history.history["val_bleu"] == [12.5, 12.5] and history.history["val_chrf"] == [40.0, 40.0]


def test_resuming_a_run_whose_config_was_damaged_is_one_line(tmp_path):
    run = start_run("demo", presets=PRESETS, preset="tiny", seed=4, run_dir=str(tmp_path / "run")).create()
    with zipfile.ZipFile(run.checkpoint_path, "w") as archive:
        archive.writestr(STATE_ENTRY, "{}")
    run.unlock()
    config = json.loads(run.config_path.read_text())
    damages = [
        ({"recipe": None}, "has no recipe or no seed"),
        ({"recipe": {"epochs": 1, "dropout": 0.5}}, "has a recipe this version cannot read"),
    ]
    for damage, message in damages:
        run.config_path.write_text(json.dumps({**config, **damage}))
        with pytest.raises(UserError, match=message):
            start_run("demo", presets=PRESETS, resume=str(run.path)).recipe(Recipe, shape=Shape)
