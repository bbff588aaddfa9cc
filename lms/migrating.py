"""The LMS's own Alembic migrations, run beside whatever migrations the host app has.

They never go through the host's Flask-Migrate (an app has one ``extensions["migrate"]``):
``flask lms init`` builds an Alembic config for the LMS's ``migrations/`` folder, and
``migrations/env.py`` takes the engine of the app's LMS database handle, the LMS's metadata and
its own version table, ``lms_alembic_version``. Autogenerate sees only the LMS's tables.

Revisions before the table prefix (``PREFIX_REVISION``) kept their version in Alembic's default
``alembic_version``: an upgrade takes an LMS revision over from there (and drops that table
when nothing else is in it), and a downgrade below the prefix puts it back, so the code of
that time finds its database as it left it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

VERSION_TABLE = "lms_alembic_version"
LEGACY_VERSION_TABLE = "alembic_version"
#: The migration that added the ``lms_`` prefix and moved the version to VERSION_TABLE.
PREFIX_REVISION = "c5d2e8a41f07"


def config() -> Config:
    """An Alembic config for the LMS's migrations (logging left to the app)."""
    from lms import MIGRATIONS_DIR

    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["configure_logger"] = False
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def code_heads() -> list[str]:
    return sorted(script().get_heads())


def database_heads(conn: sa.Connection) -> list[str]:
    opts = {"version_table": VERSION_TABLE}
    return sorted(MigrationContext.configure(conn, opts=opts).get_current_heads())


def init_schema() -> str:
    """``flask lms init``: upgrade the LMS's tables, or create them in a database without them.

    A database the LMS was never in gets the newest schema at once (the models' tables, stamped
    with the head revision, in one transaction), as Alembic's cookbook does: the early revisions
    made tables without the prefix, whose names a host may use (``course``, ``grade``).
    tests/test_migrations.py checks that both ways give the same schema. Returns "created" or
    "upgraded".
    """
    from lms.db import Base
    from lms.extensions import db

    with db.engine.begin() as conn:
        names = set(sa.inspect(conn).get_table_names())
        ours = names & (set(Base.metadata.tables) | {VERSION_TABLE})
        if not ours and not _legacy_heads(conn, names)[0]:
            Base.metadata.create_all(conn)
            MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).stamp(
                script(), "heads"
            )
            return "created"
    upgrade()
    return "upgraded"


def upgrade(revision: str = "head") -> None:
    """Upgrade the current app's LMS tables (in an app context)."""
    command.upgrade(config(), revision)


def downgrade(revision: str) -> None:
    command.downgrade(config(), revision)


def _include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Autogenerate compares the LMS's tables only, never the host's."""
    from lms.db import Base

    if type_ == "table":
        return name in Base.metadata.tables
    return True


def context_options() -> dict[str, Any]:
    """``context.configure`` options of the LMS's migrations (env.py, schema comparisons)."""
    return {
        "version_table": VERSION_TABLE,
        # One transaction for the whole run on SQLite too (lms.db.configure_sqlite makes its
        # DDL transactional): a failed upgrade leaves nothing half-done.
        "transactional_ddl": True,
        "render_as_batch": True,
        "compare_type": True,
        "include_name": _include_name,
    }


def _revisions() -> set[str]:
    return {rev.revision for rev in script().walk_revisions()}


def _legacy_heads(conn: sa.Connection, names: set[str]) -> tuple[list[str], list[str]]:
    """(LMS revisions, all revisions) in ``alembic_version``."""
    if LEGACY_VERSION_TABLE not in names:
        return [], []
    legacy = list(MigrationContext.configure(conn).get_current_heads())
    known = _revisions()
    return [rev for rev in legacy if rev in known], legacy


def adopt_legacy_version(conn: sa.Connection) -> None:
    """Before migrating: an LMS revision in ``alembic_version`` and none in ours moves over."""
    names = set(sa.inspect(conn).get_table_names())
    if VERSION_TABLE in names and database_heads(conn):
        return
    ours, legacy = _legacy_heads(conn, names)
    if not ours:
        return  # none, or the host's own version table
    MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).stamp(
        script(), tuple(ours)
    )
    old = sa.table(LEGACY_VERSION_TABLE, sa.column("version_num"))
    conn.execute(old.delete().where(old.c.version_num.in_(ours)))
    if len(ours) == len(legacy):
        conn.execute(sa.text(f"DROP TABLE {LEGACY_VERSION_TABLE}"))


def restore_legacy_version(conn: sa.Connection) -> None:
    """After migrating: at a revision older than the prefix, the version goes back to
    ``alembic_version``, where the code of that time looks for it."""
    heads = database_heads(conn)
    if not heads:
        return
    scripts = script()
    newer = {PREFIX_REVISION} | {
        rev.revision for rev in scripts.iterate_revisions("heads", PREFIX_REVISION)
    }
    if any(rev in newer for rev in heads):
        return
    names = set(sa.inspect(conn).get_table_names())
    if LEGACY_VERSION_TABLE in names:
        old = sa.table(LEGACY_VERSION_TABLE, sa.column("version_num"))
        conn.execute(old.insert(), [{"version_num": rev} for rev in heads])
    else:
        MigrationContext.configure(conn).stamp(scripts, tuple(heads))
    conn.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))


@contextmanager
def foreign_keys_off_on_sqlite(op: Any) -> Iterator[None]:
    """For a migration's body: SQLite changes a table's constraints by rebuilding it, and with
    foreign keys on, dropping the old table would run the ON DELETE actions of every table
    referring to it. The PRAGMA only works outside a transaction; the keys are checked before
    they are switched back on."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    yield
    if sqlite:
        with op.get_context().autocommit_block():
            broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
            op.execute("PRAGMA foreign_keys=ON")
