"""load_preset: which file --weights names, the model-name check before building, the settings beside it."""

import json
import re
import zipfile

import keras
import pytest

from dldemo.apps.colorize import APP as COLORIZE
from dldemo.shared.errors import UserError
from dldemo.shared.models.loading import LoadedModel, load_preset, resolve_weights, saved_model_name

DEEP_JSON = "[" * 100_000  # json.loads raises RecursionError, not ValueError


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


def with_config(path, config: bytes | None, **central_directory: int):
    """A copy of the .keras file ``path`` whose config.json is ``config`` (None: no config.json), stored,
    with ``central_directory`` fields (flag_bits, compress_type) overriding what its entry there says."""
    crafted = path.with_name(f"crafted-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            if item.filename != "config.json":
                target.writestr(item, source.read(item))
        if config is not None:
            target.writestr("config.json", config)
            for name, value in central_directory.items():
                setattr(target.getinfo("config.json"), name, value)  # written to the directory on close
    return crafted


def crafted_keras(tmp_path, case: str):
    """A demo_net .keras file with a crafted or damaged config.json (see CRAFTED)."""
    path = tmp_path / "demo.keras"
    tiny_model("demo_net").save(path)
    if case == "not a zip":
        path.write_bytes(b"not a zip file")
        return path
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    named = lambda name: json.dumps({**config, "config": {**config["config"], "name": name}}).encode()  # noqa: E731
    entries = {  # case -> (config.json, central-directory fields)
        "config not a dict": (json.dumps({**config, "config": [1, 2]}).encode(), {}),
        "name not a string": (named(5), {}),
        "name with a newline": (named("demo\nTraceback (most recent call last):"), {}),
        "not JSON": (b"{not json", {}),
        "JSON nested too deep": (DEEP_JSON.encode(), {}),  # RecursionError
        "no config.json": (None, {}),
        "encrypted": (json.dumps(config).encode(), {"flag_bits": 0x1}),  # RuntimeError
        "corrupt deflate data": (b"\xff" * 64, {"compress_type": zipfile.ZIP_DEFLATED}),  # zlib.error
    }
    content, central_directory = entries[case]
    return with_config(path, content, **central_directory)


CRAFTED = [
    "config not a dict",
    "name not a string",
    "name with a newline",
    "not JSON",
    "JSON nested too deep",
    "no config.json",
    "not a zip",
    "encrypted",
    "corrupt deflate data",
]


@pytest.mark.parametrize("case", CRAFTED)
def test_a_crafted_keras_file_is_a_one_line_error(tmp_path, case):
    path = crafted_keras(tmp_path, case)
    assert isinstance(saved_model_name(path), str | None)
    with pytest.raises(UserError) as error:
        load_preset(path, app="demo", model_name="demo_net")
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_settings_nested_too_deep_are_a_one_line_error(tmp_path):
    path = tmp_path / "demo.keras"
    tiny_model("demo_net").save(path)
    (tmp_path / "config.json").write_text(DEEP_JSON)
    with pytest.raises(UserError, match="config.json is unreadable"):
        load_preset(path, app="demo", model_name="demo_net")


def test_settings_of_the_wrong_type_are_a_user_error_naming_the_file(tmp_path):
    source = tmp_path / "demo.json"
    settings = {"temperature": "hot", "flag": True, "env": {"sticky": "x", "frames": 4}, "list": [1]}
    loaded = LoadedModel(object(), tmp_path / "demo.keras", settings, source)
    assert loaded.setting("absent", float, 0.5) == 0.5 and loaded.setting("env.absent", int, 3) == 3
    assert loaded.setting("env.frames", int) == 4
    with pytest.raises(UserError, match=re.escape(f"{source} has temperature='hot', not int or float")):
        loaded.setting("temperature", (int, float))
    with pytest.raises(UserError, match="flag=True, not int"):
        loaded.setting("flag", int)  # JSON true is not a number
    with pytest.raises(UserError, match="env.sticky='x', not float"):
        loaded.setting("env.sticky", float)
    with pytest.raises(UserError, match=r"list=\[1\], not dict"):
        loaded.setting("list.item", int)


def test_no_weights_means_the_apps_shipped_file(tmp_path):
    assert resolve_weights(None, app="colorize") == COLORIZE.weights
    with pytest.raises(UserError, match="no shipped demo weights"):
        resolve_weights(None, app="demo", shipped=tmp_path / "absent.keras")
    with pytest.raises(UserError, match="not a .keras model"):
        (tmp_path / "w.h5").write_bytes(b"")
        resolve_weights(tmp_path / "w.h5", app="demo")
