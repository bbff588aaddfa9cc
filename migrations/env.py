"""Alembic environment of the LMS's migrations: ``flask lms init`` (lms.migrating) and, in the
standalone app, ``flask db ...``.

Everything comes from the LMS, never from the app's Flask-Migrate (a host's may be another):
the engine of the current app's LMS database handle, the LMS's metadata and its own version
table, ``lms_alembic_version``.
"""

import logging
from logging.config import fileConfig

from alembic import context

from lms import migrating
from lms.db import Base
from lms.extensions import db

config = context.config
if config.attributes.get("configure_logger", True) and config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def run_migrations_offline():
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=Base.metadata,
        literal_binds=True,
        **migrating.context_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # No empty migration file when autogenerate finds no change.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            process_revision_directives=process_revision_directives,
            **migrating.context_options(),
        )
        with context.begin_transaction():
            migrating.adopt_legacy_version(connection)
            context.run_migrations()
            migrating.restore_legacy_version(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
