"""What the page refuses, and the `serve` command's own checks, without a browser."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest

from dldemo.shared.apps import App, discover_apps
from dldemo.shared.errors import UserError
from tests.cli import dldemo

gr = pytest.importorskip("gradio", reason='needs the web extra: pip install -e ".[web]"')

from dldemo.shared.web import require_web_extra  # noqa: E402
from dldemo.shared.web.inputs import checked_text, read_upload  # noqa: E402
from dldemo.shared.web.server import is_loopback, parse_weights  # noqa: E402


def test_an_upload_is_shrunk_and_a_non_picture_or_a_huge_one_is_refused_before_decoding(tmp_path):
    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), np.full((600, 1200, 3), 90, np.uint8))
    assert read_upload(photo, 480).shape == (240, 480, 3)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(gr.Error, match="not a picture"):
        read_upload(text, 480)
    huge = tmp_path / "huge.png"
    cv2.imwrite(str(huge), np.zeros((9000, 6000), np.uint8))
    with pytest.raises(gr.Error, match="6000x9000 pixels"):
        read_upload(huge, 480)


def test_text_must_be_there_and_not_too_long():
    assert checked_text("  Hallo  ", max_chars=10, what="a sentence") == "Hallo"
    with pytest.raises(gr.Error, match="Type a sentence first"):
        checked_text("   ", max_chars=10, what="a sentence")
    with pytest.raises(gr.Error, match="10,000 characters"):
        checked_text("x" * 10_000, max_chars=300, what="a sentence")


def test_weights_pairs_and_hosts():
    apps = discover_apps()
    assert parse_weights(["segment=runs/x"], apps) == {"segment": "runs/x"}
    for bad in ("segment", "segment=", "nosuchapp=runs/x"):
        with pytest.raises(UserError):
            parse_weights([bad], apps)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")


def test_every_app_contributes_a_tab_through_its_web_hook():
    apps = discover_apps()
    assert all(app.has_web and callable(app.web_tab()) for app in apps.values())
    bare = App(name="bare", description="no page", commands_module="dldemo.shared.cli")
    assert not bare.has_web
    with pytest.raises(UserError, match="no browser tab"):
        bare.web_tab()


def test_without_the_web_extra_serve_is_one_line_naming_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gradio" else real(name, *a)
    )
    with pytest.raises(UserError, match=r"\.\[web\]"):
        require_web_extra()
    assert dldemo("serve", "--no-browser") == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_serve_refuses_bad_weights_and_unknown_apps_in_one_line(capsys):
    assert dldemo("serve", "--weights", "segment") == 2
    assert "APP=PATH" in capsys.readouterr().err
    assert dldemo("serve", "--app", "nosuchapp") == 2
    assert "unknown app 'nosuchapp'" in capsys.readouterr().err


def test_serving_beyond_loopback_warns_before_anything_loads(monkeypatch, capsys):
    from dldemo.shared.web import server

    class Stop(Exception):
        pass

    def no_page(*args):
        raise Stop

    monkeypatch.setattr(server, "build_page", no_page)
    for host, warned in (("0.0.0.0", True), ("127.0.0.1", False)):
        with pytest.raises(Stop):
            server.serve(apps=[], weights={}, host=host, port=7860, open_browser=False)
        assert ("warning: serving on 0.0.0.0" in capsys.readouterr().err) is warned
