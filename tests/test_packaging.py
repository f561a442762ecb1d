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


TENSORFLOW_DISTRIBUTIONS = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel",
                            "tensorflow-macos", "tf-nightly", "tf-nightly-cpu"}  # fmt: skip


def _tensorflow_distributions(requirements: list[str], extra: str, platform: str) -> list[str]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    names = []
    for requirement in map(Requirement, requirements):
        applies = requirement.marker is None or requirement.marker.evaluate(
            {"sys_platform": platform, "extra": extra}
        )
        if applies and canonicalize_name(requirement.name) in TENSORFLOW_DISTRIBUTIONS:
            names.append(requirement.name)
    return names


def test_each_backend_extra_installs_one_tensorflow_distribution_and_nothing_else_any():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for platform in ("linux", "darwin", "win32"):
        assert _tensorflow_distributions(project["dependencies"], "", platform) == []
        for extra, requirements in project["optional-dependencies"].items():
            found = _tensorflow_distributions(requirements, extra, platform)
            assert len(found) <= 1, f"extra {extra!r} installs {found} on {platform}"
            assert bool(found) == (extra == "cpu" or (extra == "gpu" and platform == "linux")), (
                extra,
                platform,
            )


def test_this_environment_holds_at_most_one_tensorflow_distribution():
    from importlib.metadata import distributions

    from packaging.utils import canonicalize_name

    installed = {canonicalize_name(d.metadata["Name"]) for d in distributions()} & TENSORFLOW_DISTRIBUTIONS
    assert len(installed) <= 1, f"{sorted(installed)} overwrite each other's files: keep one"
