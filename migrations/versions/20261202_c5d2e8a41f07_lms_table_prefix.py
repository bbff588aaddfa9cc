"""lms_ prefix on every table, constraint, index and sequence

Revision ID: c5d2e8a41f07
Revises: 64b53665d46b
Create Date: 2026-12-02 09:00:00.000000

The LMS mounts into host apps that have tables of their own (``course``, ``grade``, ``user``…):
every table gets the ``lms_`` prefix, and every name the naming convention of ``lms.db`` derives
from a table name follows (``pk_``, ``uq_``, ``ck_``, ``fk_`` with both tables, ``ix_``), as do
PostgreSQL's id sequences. The version moves to ``lms_alembic_version`` (``lms.migrating``).

PostgreSQL renames in place. SQLite cannot rename constraints or indexes, so each table is
rebuilt (the official "make a new table, copy, drop the old" procedure) from its own CREATE
statement with the names changed; rows are copied as they are. The cohort's locale check,
which the model declared but no migration made, is added on the way (MISSED_CHECKS).
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5d2e8a41f07"
down_revision = "64b53665d46b"
branch_labels = None
depends_on = None

TABLES = (
    "user_account",
    "cohort",
    "membership",
    "audit_event",
    "course",
    "lesson",
    "lesson_progress",
    "cohort_course",
    "rubric",
    "rubric_criterion",
    "assignment_spec",
    "meeting",
    "meeting_trainer",
    "attendance_record",
    "excuse_request",
    "cohort_assignment",
    "extension",
    "submission",
    "submission_version",
    "submission_file",
    "grading_plan",
    "allocation",
    "review",
    "review_score",
    "grade",
    "certificate_plan",
    "certificate",
)
PREFIXED = {name: f"lms_{name}" for name in TABLES}
UNPREFIXED = {new: old for old, new in PREFIXED.items()}
#: A check the model has had since the column was added (20261127_37dbfba255c9) but no migration
#: made; added here, where SQLite rebuilds the table anyway, and dropped by the downgrade (the
#: older downgrades drop its column).
MISSED_CHECKS = {"lms_cohort": ("ck_lms_cohort_locale_known", "locale IN ('id', 'en')")}


def upgrade():
    _rename(PREFIXED)
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table, (name, condition) in MISSED_CHECKS.items():
            if not conn.scalar(
                sa.text("SELECT 1 FROM pg_constraint WHERE conname = :n"), {"n": name}
            ):
                op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, (name, _condition) in MISSED_CHECKS.items():
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    _rename(UNPREFIXED)


def _renamed(name, table, names, referred=None):
    """``name`` of a constraint or index of ``table`` after ``names`` (old -> new table) is
    applied: ``<kind>_<table>…`` with ``_<referred table>`` at the end of a foreign key's."""
    for kind in ("pk", "uq", "ck", "ix", "fk"):
        head = f"{kind}_{table}"
        if name == head or name.startswith(head + "_"):
            rest = name[len(head) :]
            if kind == "fk" and referred in names and rest.endswith(f"_{referred}"):
                rest = rest[: -len(referred)] + names[referred]
            return f"{kind}_{names[table]}{rest}"
    if name.startswith(f"{table}_"):  # PostgreSQL's own names: <table>_id_seq, <table>_pkey
        return names[table] + name[len(table) :]
    return name


def _rename(names):
    if op.get_bind().dialect.name == "postgresql":
        _rename_postgresql(names)
    else:
        _rebuild_sqlite(names)


# --- PostgreSQL ---------------------------------------------------------------------------


def _rename_postgresql(names):
    conn = op.get_bind()
    quote = conn.dialect.identifier_preparer.quote

    def rows(sql, table):
        return conn.execute(sa.text(sql), {"t": table}).all()

    # Names first, while every table still has its old name (foreign keys name two tables).
    for old in names:
        for name, referred in rows(
            "SELECT con.conname, ref.relname FROM pg_constraint con LEFT JOIN pg_class ref "
            "ON ref.oid = con.confrelid WHERE con.conrelid = to_regclass(:t)",
            old,
        ):
            new = _renamed(name, old, names, referred)
            if new != name:
                op.execute(
                    f"ALTER TABLE {quote(old)} RENAME CONSTRAINT {quote(name)} TO {quote(new)}"
                )
        # Indexes of their own: a primary key's or unique constraint's went with it.
        for (name,) in rows(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = to_regclass(:t) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            old,
        ):
            new = _renamed(name, old, names)
            if new != name:
                op.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(new)}")
        # The id columns' sequences (<table>_id_seq).
        for (name,) in rows(
            "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "WHERE s.relkind = 'S' AND d.refobjid = to_regclass(:t) AND d.deptype IN ('a', 'i')",
            old,
        ):
            new = _renamed(name, old, names)
            if new != name:
                op.execute(f"ALTER SEQUENCE {quote(name)} RENAME TO {quote(new)}")
    for old, new in names.items():
        op.rename_table(old, new)


# --- SQLite -------------------------------------------------------------------------------

_IDENT = r'"?(\w+)"?'
_CREATE_TABLE = re.compile(rf"^(CREATE TABLE\s+){_IDENT}", re.IGNORECASE)
#: A named constraint; for a foreign key, with the table it references (group 4).
_CONSTRAINT = re.compile(
    rf"(CONSTRAINT\s+){_IDENT}(\s+FOREIGN KEY\s*\([^)]*\)\s*REFERENCES\s+{_IDENT})?",
    re.IGNORECASE,
)
_REFERENCES = re.compile(rf"(REFERENCES\s+){_IDENT}", re.IGNORECASE)
_CREATE_INDEX = re.compile(rf"^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+){_IDENT}(\s+ON\s+){_IDENT}", re.I)


def _table_sql(sql, old, names):
    """``old``'s CREATE TABLE with the new table, constraint and referenced table names."""
    sql = _CREATE_TABLE.sub(lambda m: f'{m[1]}"{names[old]}"', sql, count=1)
    sql = _CONSTRAINT.sub(lambda m: f'{m[1]}"{_renamed(m[2], old, names, m[4])}"{m[3] or ""}', sql)
    sql = _REFERENCES.sub(lambda m: f'{m[1]}"{names.get(m[2], m[2])}"', sql)
    if names is PREFIXED and names[old] in MISSED_CHECKS:
        name, condition = MISSED_CHECKS[names[old]]
        if f'"{name}"' not in sql:
            head, _paren, tail = sql.rpartition(")")
            sql = f'{head.rstrip()}, \n\tCONSTRAINT "{name}" CHECK ({condition})\n){tail}'
    elif names is UNPREFIXED and old in MISSED_CHECKS:
        name, condition = MISSED_CHECKS[old]
        added = re.escape(_renamed(name, old, names))
        sql = re.sub(rf',\s*CONSTRAINT\s+"?{added}"?\s+CHECK\s*\({re.escape(condition)}\)', "", sql)
    return sql


def _index_sql(sql, names):
    def replace(m):
        table = m[4]
        return f'{m[1]}"{_renamed(m[2], table, names)}"{m[3]}"{names.get(table, table)}"'

    return _CREATE_INDEX.sub(replace, sql, count=1)


def _rebuild_sqlite(names):
    conn = op.get_bind()
    schema = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
    ).all()
    create = {name: sql for kind, name, _t, sql in schema if kind == "table" and name in names}
    indexes = [sql for kind, _n, table, sql in schema if kind == "index" and table in names]
    # Parents first: each copy only references rows copied already (a table's references to
    # itself are checked at the end of its one INSERT).
    order = [
        name for name, _fks in sa.inspect(conn).get_sorted_table_and_fkc_names() if name in create
    ]
    for old in order:
        new = names[old]
        conn.exec_driver_sql(_table_sql(create[old], old, names))
        conn.exec_driver_sql(f'INSERT INTO "{new}" SELECT * FROM "{old}"')
    for old in reversed(order):
        conn.exec_driver_sql(f'DROP TABLE "{old}"')
    for sql in indexes:
        conn.exec_driver_sql(_index_sql(sql, names))
