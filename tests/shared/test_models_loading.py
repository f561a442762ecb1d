"""load_preset: which file --weights names, the model-name check before building, the settings beside it."""

import json

import keras
import pytest

from dldemo.apps.colorize import APP as COLORIZE
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import load_preset, resolve_weights


@keras.saving.register_keras_serializable(package="test_loading")
class Doubling(keras.layers.Layer):
    def call(self, x):
        return 2 * x


def tiny_model(name: str, layer=None) -> keras.Model:
    inputs = keras.Input((3,))
    return keras.Model(inputs, (layer or keras.layers.Dense(2))(inputs), name=name)


def test_loads_the_model_with_the_settings_saved_beside_it(tmp_path):
    path = tmp_path / "demo.keras"
    tiny_model("demo_net").save(path)
    (tmp_path / "demo.json").write_text(json.dumps({"temperature": 0.1}))
    loaded = load_preset(path, app="demo", model_name="demo_net")
    assert loaded.model.name == "demo_net" and loaded.path == path
    assert loaded.settings == {"temperature": 0.1}


def test_a_run_folder_gives_its_best_checkpoint_and_config(tmp_path):
    tiny_model("demo_net").save(tmp_path / "checkpoint.keras")
    tiny_model("demo_net").save(tmp_path / "best.keras")
    (tmp_path / "config.json").write_text(json.dumps({"app": "demo", "seed": 3}))
    loaded = load_preset(tmp_path, app="demo", model_name="demo_net")
    assert loaded.path == tmp_path / "best.keras" and loaded.settings["seed"] == 3


def test_another_apps_model_is_refused_before_anything_is_built(tmp_path):
    path = tmp_path / "other.keras"
    tiny_model("segmenter", Doubling()).save(path)
    with pytest.raises(UserError, match="holds a 'segmenter' model, not demo weights: pass weights trained"):
        load_preset(path, app="demo", model_name="demo_net", custom_objects={})
    with pytest.raises(UserError, match="not an Atari agent"):
        load_preset(path, app="atari", model_name="q_network", what="an Atari agent")


def test_a_corrupt_settings_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "demo.keras"
    tiny_model("demo_net").save(path)
    (tmp_path / "demo.json").write_text("{not json")
    with pytest.raises(UserError, match="demo.json is unreadable") as error:
        load_preset(path, app="demo", model_name="demo_net")
    assert "\n" not in str(error.value)
    (tmp_path / "demo.json").write_text("[1, 2]")
    with pytest.raises(UserError, match="not a JSON object"):
        load_preset(path, app="demo", model_name="demo_net")


def test_no_weights_means_the_apps_shipped_file(tmp_path):
    assert resolve_weights(None, app="colorize") == COLORIZE.weights
    with pytest.raises(UserError, match="no shipped demo weights"):
        resolve_weights(None, app="demo", shipped=tmp_path / "absent.keras")
    with pytest.raises(UserError, match="not a .keras model"):
        (tmp_path / "w.h5").write_bytes(b"")
        resolve_weights(tmp_path / "w.h5", app="demo")
