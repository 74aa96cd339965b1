"""alembic/ and resources/ are found from a checkout and from an installed wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from novamind_desktop import paths

REPO = Path(__file__).resolve().parents[2]


def test_a_checkout_finds_the_top_level_folders() -> None:
    assert paths.migrations_dir() == REPO / "alembic"
    assert (paths.migrations_dir() / "versions" / "0001_initial.py").is_file()
    assert paths.resources_dir() == REPO / "resources"
    assert paths.alembic_ini() == REPO / "alembic.ini"


def test_every_package_is_listed_for_the_wheel() -> None:
    """The package list in pyproject.toml is explicit (it maps alembic/ and resources/ into
    the package); a sub-package missing from it would be missing from the installed app."""
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(py.parent.relative_to(REPO).parts)
        for py in (REPO / "novamind_desktop").rglob("*.py")
        if "__pycache__" not in py.parts
    }
    missing = sorted(on_disk - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the sources and unpack it as site-packages would."""
    base = tmp_path_factory.mktemp("wheel")
    source, out, site = base / "src", base / "out", base / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    source.mkdir()
    for name in ("novamind_desktop", "alembic", "resources"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from setuptools import build_meta; build_meta.build_wheel({str(out)!r})",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_wheel_carries_the_migrations_and_resources(installed_wheel: Path) -> None:
    package = installed_wheel / "novamind_desktop"
    for name in (
        "env.py",
        "script.py.mako",
        "versions/0001_initial.py",
        "versions/0002_clinic_opening_hours.py",
        "versions/0003_dob_lookup_index.py",
    ):
        assert (package / "_migrations" / name).is_file(), name
    shipped = {
        p.relative_to(package / "_resources")
        for p in (package / "_resources").rglob("*")
        if p.is_file()
    }
    in_repo = {
        p.relative_to(REPO / "resources")
        for p in (REPO / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped == in_repo


def test_an_installed_wheel_migrates_a_database_with_its_own_scripts(
    installed_wheel: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'installed.sqlite3'}"
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from novamind_desktop import paths\n"
        "from novamind_desktop.infrastructure import migrations\n"
        "assert paths.migrations_dir().is_relative_to(sys.argv[1]), paths.migrations_dir()\n"
        "assert paths.resources_dir().is_relative_to(sys.argv[1]), paths.resources_dir()\n"
        "assert paths.alembic_ini() is None\n"
        "migrations.upgrade(sys.argv[2])\n"
        "print(migrations.status(sys.argv[2]).current)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(installed_wheel), url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "0003"
