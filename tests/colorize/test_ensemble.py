"""`python -m dldemo.apps.colorize.ensemble`: colorize runs on one frozen encoder joined into one model."""

import json

import keras
import numpy as np
import pytest

from dldemo.apps.colorize.ensemble import main
from dldemo.apps.colorize.model import build_colorizer
from dldemo.apps.colorize.predict import Colorizer
from dldemo.apps.colorize.quantize import gamut_bins


def colorizer_file(path, seed: int, encoder_from: keras.Model | None = None):
    """A small Lite0 colorizer saved at ``path``: random decoder (``seed``; a head scaled so the logits
    spread as a trained one's), encoder copied if given."""
    keras.utils.set_random_seed(seed)
    model = build_colorizer(len(gamut_bins()), width=8, encoder="efficientnet-lite0")
    head = model.get_layer("head")
    head.set_weights([weights * 1e3 for weights in head.get_weights()])
    if encoder_from is not None:
        for layer in model.layers:
            if layer.name.startswith(("stem_", "block", "stride")):
                layer.set_weights(encoder_from.get_layer(layer.name).get_weights())
    model.save(path)
    return model


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    folder = tmp_path_factory.mktemp("members")
    first = colorizer_file(folder / "a.keras", 0)
    colorizer_file(folder / "b.keras", 1, encoder_from=first)
    return folder / "a.keras", folder / "b.keras"


def test_joined_model_averages_the_decoders_and_keeps_the_decoding_settings(members, tmp_path, capsys):
    output = tmp_path / "joined.keras"
    main([*map(str, members), "--output", str(output), "--temperature", "0.6", "--chroma-gain", "1.1"])
    assert "2 decoders on one encoder" in capsys.readouterr().out
    settings = json.loads(output.with_suffix(".json").read_text())
    assert settings["ensemble_of"] == [str(path) for path in members]
    joined = Colorizer.from_preset(output)
    assert (joined.temperature, joined.chroma_gain) == (0.6, 1.1)
    photo = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    logits = [Colorizer.from_preset(path).predict_logits(photo) for path in members]
    mean, spread = np.mean(logits, axis=0), np.ptp(logits)
    assert spread > 0.1 and np.abs(logits[0] - logits[1]).max() > 0.1 * spread
    # the export rounds weights to float16 precision: the members' mean within that
    assert np.abs(joined.predict_logits(photo) - mean).max() < 0.01 * spread
    assert joined.model.get_layer("stride16") and joined.model.get_layer("decoder_2")

    grown = tmp_path / "grown.keras"  # a joined model joins as its decoders: here a, b and a again
    main([str(output), str(members[0]), "--output", str(grown)])
    assert "3 decoders on one encoder" in capsys.readouterr().out
    weighted = (2 * logits[0] + logits[1]) / 3
    assert np.abs(Colorizer.from_preset(grown).predict_logits(photo) - weighted).max() < 0.01 * spread

    kept = tmp_path / "kept.keras"  # grown's a, b, a and then b: keep the second and third
    main([str(grown), str(members[1]), "--output", str(kept), "--keep", "2,3"])
    assert json.loads(kept.with_suffix(".json").read_text())["kept_decoders"] == [2, 3]
    assert np.abs(Colorizer.from_preset(kept).predict_logits(photo) - mean).max() < 0.01 * spread
    with pytest.raises(SystemExit):
        main([str(grown), str(members[1]), "--output", str(kept), "--keep", "2,5"])
    assert "--keep: keep names decoders 1 to 4" in capsys.readouterr().err
    dropped = tmp_path / "dropped.keras"  # one joined model alone: drop some of its decoders
    main([str(grown), "--output", str(dropped), "--keep", "1,2"])
    assert "2 decoders on one encoder" in capsys.readouterr().out
    assert np.abs(Colorizer.from_preset(dropped).predict_logits(photo) - mean).max() < 0.01 * spread


def test_runs_with_another_encoder_are_refused_in_one_line(members, tmp_path, capsys):
    colorizer_file(tmp_path / "fine_tuned.keras", 2)  # its own encoder, as a fine-tuned run has
    output = tmp_path / "joined.keras"
    with pytest.raises(SystemExit) as exit_:
        main([str(members[0]), str(tmp_path / "fine_tuned.keras"), "--output", str(output)])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "has another encoder" in error and "--frozen-encoder" in error
    assert not output.exists()
    with pytest.raises(SystemExit):
        main([str(members[0]), "--output", str(output)])
    assert "at least two decoders, got 1: join at least two colorize runs" in capsys.readouterr().err
