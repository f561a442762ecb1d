"""Every package folder is installed: pyproject lists all of them, and no generic top-level names."""

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"shared": "dldemo.shared", "apps": "dldemo.apps", "assets": "dldemo.assets"}


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == {package: folder for folder, package in MAPPED.items()}
    found = set()
    for folder, package in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    assert found == set(config["packages"])


def test_apps_depend_on_shared_only():
    for app in (ROOT / "apps").iterdir():
        if not (app / "__init__.py").exists():
            continue
        others = {p.name for p in (ROOT / "apps").iterdir() if p.is_dir() and p.name != app.name}
        for source in app.rglob("*.py"):
            text = source.read_text()
            for other in others:
                assert f"dldemo.apps.{other}" not in text, f"{source} imports the {other} app"
