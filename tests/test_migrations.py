"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL; a database
made before the ``lms_`` prefix upgrades in place with every row, and downgrades back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import lms
from lms import migrating
from lms.db import Base
from lms.extensions import db

#: The last revision before the prefix: its tables are the models' without ``lms_``.
BEFORE_PREFIX = "64b53665d46b"


def _app(url: str, tmp_path: Any):
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    return lms.create_app(config)


def _diff(conn: sa.Connection) -> list:
    return compare_metadata(
        MigrationContext.configure(conn, opts=migrating.context_options()), Base.metadata
    )


def _names(conn: sa.Connection) -> set[tuple[str, str, str]]:
    """(table, kind, name) of every named primary key, foreign key, unique and check
    constraint and index of the LMS's tables in the database."""
    insp = inspect(conn)
    found = set()
    for table in Base.metadata.tables:
        found.add((table, "pk", insp.get_pk_constraint(table)["name"]))
        found |= {(table, "fk", fk["name"]) for fk in insp.get_foreign_keys(table)}
        found |= {(table, "uq", uq["name"]) for uq in insp.get_unique_constraints(table)}
        found |= {(table, "ck", ck["name"]) for ck in insp.get_check_constraints(table)}
        found |= {
            (table, "ix", ix["name"])
            for ix in insp.get_indexes(table)
            if not ix.get("duplicates_constraint")
        }
    return found


def _model_names(dialect: sa.Dialect) -> set[tuple[str, str, str]]:
    kinds = {
        sa.PrimaryKeyConstraint: "pk",
        sa.ForeignKeyConstraint: "fk",
        sa.UniqueConstraint: "uq",
        sa.CheckConstraint: "ck",
    }
    preparer = dialect.identifier_preparer
    found = set()
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            found.add((table.name, kinds[type(constraint)], preparer.format_constraint(constraint)))
        for index in table.indexes:
            found.add((table.name, "ix", preparer.format_constraint(index)))
    return found


def test_migrations_produce_exactly_the_models_schema(empty_database_url, tmp_path):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        migrating.upgrade()
        with db.engine.connect() as conn:
            diff = _diff(conn)
            tables = set(inspect(conn).get_table_names())
            names = _names(conn)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
        assert {"lms_user_account", "lms_cohort", "lms_membership", "lms_audit_event"} <= tables
        assert tables == set(Base.metadata.tables) | {"lms_alembic_version"}
        # Constraint names too (autogenerate does not compare those of keys and checks).
        assert names == _model_names(db.engine.dialect)
        migrating.downgrade("base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"lms_alembic_version"}
        db.engine.dispose()


# --- a database made before the prefix ----------------------------------------------------


def _seed_rows(app) -> dict[str, list[dict[str, Any]]]:
    """Rows for every table, made by the real operations on the current schema: the demo
    classes, plus what the demo leaves empty."""
    from werkzeug.security import generate_password_hash

    from lms import COURSES_DIR
    from lms.catalog.operations import sync_all
    from lms.catalog.packs import discover
    from lms.demo import load_demo

    with pytest.MonkeyPatch.context() as mp, app.app_context():
        mp.setattr(
            "lms.accounts.models.generate_password_hash",
            lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
        )
        migrating.upgrade()
        assert sync_all(discover(COURSES_DIR)).problems == []
        load_demo()
        _fill_the_rest()
        db.session.commit()
        with db.engine.connect() as conn:
            rows = {
                table.name: [
                    dict(r)
                    for r in conn.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in Base.metadata.sorted_tables
            }
        db.session.remove()
        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {migrating.VERSION_TABLE}"))
        db.engine.dispose()
    return rows


def _fill_the_rest() -> None:
    """A row in each table the demo leaves empty (through the models: they name the tables)."""
    from lms.attendance.models import ExcuseRequest, Meeting
    from lms.catalog.models import Lesson, LessonProgress
    from lms.cohorts.models import Membership
    from lms.submissions.models import CohortAssignment, Extension, Submission, SubmissionFile

    participant = db.session.scalar(db.select(Membership).filter_by(role="participant"))
    counts = {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
    now = dt.datetime(2023, 9, 5, 2, 0, tzinfo=dt.UTC)
    if not counts["lms_excuse_request"]:
        meeting_id = db.session.scalar(
            db.select(Meeting.id).filter_by(cohort_id=participant.cohort_id)
        )
        db.session.add(
            ExcuseRequest(
                meeting_id=meeting_id, user_id=participant.user_id, kind="sick", reason="Demam"
            )
        )
    if not counts["lms_extension"]:
        assignment_id = db.session.scalar(
            db.select(CohortAssignment.id).filter_by(cohort_id=participant.cohort_id)
        )
        db.session.add(
            Extension(
                assignment_id=assignment_id, user_id=participant.user_id, due_dt=now, reason="x"
            )
        )
    if not counts["lms_submission_file"]:
        submission_id = db.session.scalar(db.select(Submission.id))
        db.session.add(
            SubmissionFile(
                submission_id=submission_id,
                key="pdf/ab/" + "ab" * 32,
                name="usulan.pdf",
                size=10,
                kind="pdf",
            )
        )
    if not counts["lms_lesson_progress"]:
        lesson_id = db.session.scalar(db.select(Lesson.id))
        db.session.add(LessonProgress(lesson_id=lesson_id, user_id=participant.user_id))
    db.session.flush()


#: Ranks the schema before the prefix admitted (PPPK golongan came later).
OLD_RANKS = {f"{g}/{s}" for g in ("I", "II", "III") for s in "abcd"} | {f"IV/{s}" for s in "abcde"}


def _as_old(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row of today's table as the old one could hold it: only its columns, and values its
    checks admit."""
    kept = {name: value for name, value in row.items() if name in table.c}
    if table.name == "user_account" and kept.get("rank") not in OLD_RANKS:
        kept["rank"] = None
    return kept


def old_rows(
    old: sa.MetaData, rows: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of the tables that existed before the prefix, as those tables held them."""
    found = {}
    for name, table in old.tables.items():
        if f"lms_{name}" in rows:
            found[f"lms_{name}"] = [_as_old(table, row) for row in rows[f"lms_{name}"]]
    return found


def _insert_old(conn: sa.Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The rows into the tables of the old schema, by plain SQL on the reflected old tables;
    a row's references to later rows of its own table are set afterwards. Tables and columns
    added since are left out."""
    old = sa.MetaData()
    old.reflect(conn)
    rows = old_rows(old, rows)
    for table in Base.metadata.sorted_tables:
        target = old.tables.get(table.name.removeprefix("lms_"))
        if target is None or not rows[table.name]:
            continue
        later = [
            fk.parent.name for fk in target.foreign_keys if fk.column.table is target
        ]  # self-references
        conn.execute(
            target.insert(),
            [{**row, **dict.fromkeys(later)} for row in rows[table.name]],
        )
        if conn.dialect.name == "postgresql" and "id" in target.c:
            # As in a database in use: the id sequence is past the ids.
            conn.execute(
                sa.select(
                    sa.func.setval(
                        sa.func.pg_get_serial_sequence(target.name, "id"), sa.func.max(target.c.id)
                    )
                )
            )
        for name in later:
            pk = target.primary_key.columns.values()[0]
            for row in rows[table.name]:
                if row[name] is not None:
                    conn.execute(
                        target.update().where(pk == row[pk.name]).values({name: row[name]})
                    )


def test_a_database_made_before_the_prefix_upgrades_in_place_with_every_row(
    empty_database_url, tmp_path
):
    app = _app(empty_database_url, tmp_path)
    rows = _seed_rows(app)
    with app.app_context():
        migrating.upgrade(BEFORE_PREFIX)
        with db.engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"alembic_version", "user_account", "grade"} <= tables
            assert not tables & set(Base.metadata.tables)
            old = sa.MetaData()
            old.reflect(conn)
            rows = old_rows(old, rows)
            assert len(rows) == 27 and all(rows.values()), [n for n, r in rows.items() if not r]
            _insert_old(conn, rows)
        db.engine.dispose()

        migrating.upgrade()  # what `flask lms init` does
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert tables == set(Base.metadata.tables) | {"lms_alembic_version"}
            assert migrating.database_heads(conn) == migrating.code_heads()
            assert _diff(conn) == []
            assert _names(conn) == _model_names(conn.dialect)
            for table in Base.metadata.sorted_tables:
                if table.name not in rows:
                    continue  # added since
                columns = [table.c[name] for name in rows[table.name][0]]
                stmt = sa.select(*columns).order_by(*table.primary_key.columns)
                got = [dict(r) for r in conn.execute(stmt).mappings()]
                assert got == rows[table.name], f"{table.name} differs after the upgrade"
            if conn.dialect.name == "postgresql":
                # The sequences were renamed and continue after the existing ids.
                seq = conn.scalar(sa.text("SELECT pg_get_serial_sequence('lms_cohort', 'id')"))
                assert seq == "public.lms_cohort_id_seq"
        db.engine.dispose()

        # The LMS works on it: a new account gets the next id.
        from lms.accounts import operations as accounts

        user = accounts.create_user(email="baru@example.org", full_name="Baru", password="x" * 12)
        db.session.commit()
        assert user.id == max(r["id"] for r in rows["lms_user_account"]) + 1
        db.session.remove()

        migrating.downgrade(BEFORE_PREFIX)  # and back, for the code of before
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert "lms_alembic_version" not in tables and "user_account" in tables
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == BEFORE_PREFIX
            assert conn.scalar(sa.text("SELECT count(*) FROM certificate")) == len(
                rows["lms_certificate"]
            )
            assert conn.scalar(
                sa.text("SELECT count(*) FROM user_account WHERE email = 'baru@example.org'")
            )
        db.engine.dispose()


def test_the_old_version_table_is_kept_when_it_holds_the_hosts_revision(
    empty_database_url, tmp_path
):
    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        migrating.upgrade(BEFORE_PREFIX)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO alembic_version VALUES ('host0001')"))
        migrating.upgrade()
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == "host0001"
            assert migrating.database_heads(conn) == migrating.code_heads()
        db.engine.dispose()
