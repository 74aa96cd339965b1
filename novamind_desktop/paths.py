"""Where the migrations and the resources are, from a checkout or from an installed wheel.

In the repository they live at the top level (`alembic/`, `resources/`), as Alembic users
expect. A built wheel carries copies inside the package as `novamind_desktop/_migrations` and
`novamind_desktop/_resources` (see `[tool.setuptools] package-dir` in pyproject.toml). The
packaged copies win when present, so an installed app never picks up an unrelated folder.

Standard library only: this module is imported at start-up and by `python -S` checks.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


class MissingAppFiles(Exception):
    """The installation is incomplete: a folder the app ships with cannot be found."""


def _locate(packaged: str, top_level: str, marker: str) -> Path:
    for candidate in (_PACKAGE / packaged, _CHECKOUT / top_level):
        if (candidate / marker).exists() and candidate.is_dir():
            return candidate
    raise MissingAppFiles(
        f"Cannot find the {top_level}/ folder of NOVAMIND Desktop (looked in "
        f"{_PACKAGE / packaged} and {_CHECKOUT / top_level}); reinstall the application."
    )


def migrations_dir() -> Path:
    """The Alembic script directory (holds env.py and versions/)."""
    return _locate("_migrations", "alembic", "env.py")


def resources_dir() -> Path:
    """Icons, stylesheets, sample data and the twin JSON schema."""
    return _locate("_resources", "resources", ".")


def resource(*parts: str) -> Path:
    """A file inside resources/, e.g. resource("twin.schema.json")."""
    return resources_dir().joinpath(*parts)


def alembic_ini() -> Path | None:
    """The top-level alembic.ini of a checkout; an installed app configures Alembic in code."""
    ini = _CHECKOUT / "alembic.ini"
    return ini if ini.is_file() and (_CHECKOUT / "alembic" / "env.py").is_file() else None
