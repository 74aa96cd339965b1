"""Alembic, driven from code: status, upgrade and downgrade for SQLite files and PostgreSQL.

The scripts are found through novamind_desktop.paths (checkout or installed wheel). Alembic
is imported inside the functions: it costs about half a second and most starts never need it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from novamind_desktop.infrastructure.database import make_engine, unreachable
from novamind_desktop.paths import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# progress(done, total, "0002: Clinic opening hours ...") after each revision is applied.
Progress = Callable[[int, int, str], None]


class MigrationError(Exception):
    """A migration could not run. str() is a sentence for the user."""


@dataclass(frozen=True)
class MigrationStatus:
    current: str | None  # None: an empty database
    head: str
    pending: list[tuple[str, str]] = field(default_factory=list)  # (revision, message), in order
    is_ahead: bool = False  # the database was migrated by a newer version of the app

    @property
    def is_behind(self) -> bool:
        return bool(self.pending)

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def alembic_config(url: str | URL) -> Config:
    """An Alembic Config for `url` that needs no alembic.ini (works from a wheel)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    config.attributes["url"] = make_url(url)
    config.attributes["configure_logger"] = False
    return config


def _script(config: Config) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config)


def _message(script: ScriptDirectory, revision: str) -> str:
    found = script.get_revision(revision)
    doc = (found.doc if found is not None else "") or ""
    return doc.strip().splitlines()[0] if doc.strip() else revision


def current_revision(url: str | URL) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url, for_migrations=True)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    except OperationalError as error:
        raise unreachable(engine.url, error) from None
    finally:
        engine.dispose()
    return heads[0] if heads else None


def status(url: str | URL) -> MigrationStatus:
    """Where the database is, where the app's scripts end, and what would run in between."""
    script = _script(alembic_config(url))
    head = script.get_current_head()
    assert head is not None, "the migration scripts have no head revision"
    current = current_revision(url)
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        return MigrationStatus(current, head, [], is_ahead=True)
    pending = [
        (rev.revision, _message(script, rev.revision))
        for rev in reversed(list(script.iterate_revisions(head, current or "base")))
    ]
    return MigrationStatus(current, head, pending)


def upgrade(url: str | URL, target: str = "head", progress: Progress | None = None) -> None:
    """Apply every revision up to `target`, one transaction per revision."""
    from alembic import command

    before = status(url)
    if before.is_ahead:
        raise MigrationError(
            f"The database is at revision {before.current}, which this version of "
            "NOVAMIND Desktop does not know; install the newer version instead."
        )
    config = alembic_config(url)
    total = len(_steps(config, target, before.current or "base"))
    _attach_progress(config, progress, total)
    _run(lambda: command.upgrade(config, target))


def downgrade(url: str | URL, target: str, progress: Progress | None = None) -> None:
    """Undo revisions down to `target` ("base" empties the database of NOVAMIND tables)."""
    from alembic import command

    current = current_revision(url)
    config = alembic_config(url)
    total = len(_steps(config, current or "base", target)) if current else 0
    _attach_progress(config, progress, total)
    _run(lambda: command.downgrade(config, target))


def _steps(config: Config, upper: str, lower: str) -> list[Any]:
    script = _script(config)
    try:
        return list(script.iterate_revisions(upper, lower))
    except Exception as error:  # alembic raises several CommandError subclasses
        raise MigrationError(f"Cannot migrate from {lower} to {upper}: {error}.") from None


def _attach_progress(config: Config, progress: Progress | None, total: int) -> None:
    if progress is None:
        return
    done = 0

    def on_version_apply(*, step: Any, **_: Any) -> None:
        nonlocal done
        done += 1
        # up_revision is the revision applied (upgrade) or undone (downgrade).
        doc = (step.up_revision.doc or "").strip().splitlines()
        verb = "" if step.is_upgrade else "undo "
        label = f"{verb}{step.up_revision_id}: {doc[0] if doc else ''}".rstrip(": ")
        progress(done, max(total, done), label)

    config.attributes["on_version_apply"] = on_version_apply


def _run(action: Callable[[], None]) -> None:
    from alembic.util import CommandError

    try:
        action()
    except CommandError as error:
        raise MigrationError(f"The migration was refused: {error}.") from None
