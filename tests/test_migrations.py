"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

import lms
from lms.extensions import db


def test_migrations_produce_exactly_the_models_schema(empty_database_url, tmp_path):
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path)
    app = lms.create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"compare_type": True, "render_as_batch": True}
                ),
                db.metadata,
            )
            tables = set(inspect(conn).get_table_names())
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
        assert {"user_account", "cohort", "membership", "audit_event"} <= tables
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
