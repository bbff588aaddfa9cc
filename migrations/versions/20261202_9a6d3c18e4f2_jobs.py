"""Jobs: one row per run of long work (progress, result file, expiry)

Revision ID: 9a6d3c18e4f2
Revises: 5e2b7f90c1d8
Create Date: 2026-12-02 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import lms.db
from lms.migrating import foreign_keys_off_on_sqlite

revision = "9a6d3c18e4f2"
down_revision = "5e2b7f90c1d8"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op):
        op.create_table(
            "lms_job",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=60), nullable=False),
            sa.Column("owner_id", sa.Integer(), nullable=True),
            sa.Column("object_type", sa.String(length=40), nullable=False),
            sa.Column("object_id", sa.Integer(), nullable=False),
            sa.Column("scope", sa.String(length=40), server_default="", nullable=False),
            sa.Column("params", sa.JSON(), nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("progress", sa.Integer(), nullable=False),
            sa.Column("message", sa.String(length=200), nullable=True),
            sa.Column("result_key", sa.String(length=80), nullable=True),
            sa.Column("result_name", sa.String(length=200), nullable=True),
            sa.Column("result_size", sa.BigInteger(), nullable=True),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("started_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("finished_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("expires_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("heartbeat_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.CheckConstraint(
                "state <> 'done' OR result_key IS NOT NULL", name=op.f("ck_lms_job_done_has_result")
            ),
            sa.CheckConstraint(
                "state IN ('queued', 'running', 'done', 'failed', 'expired')",
                name=op.f("ck_lms_job_state_known"),
            ),
            sa.CheckConstraint("attempts >= 0", name=op.f("ck_lms_job_attempts_not_negative")),
            sa.CheckConstraint(
                "progress >= 0 AND progress <= 100", name=op.f("ck_lms_job_progress_percent")
            ),
            sa.ForeignKeyConstraint(
                ["owner_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_job_owner_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_job")),
        )
        with op.batch_alter_table("lms_job", schema=None) as batch_op:
            batch_op.create_index(
                "ix_lms_job_owner_created", ["owner_id", "created_dt"], unique=False
            )
            batch_op.create_index("ix_lms_job_state", ["state"], unique=False)
            batch_op.create_index(
                "uq_lms_job_one_active",
                ["kind", "object_type", "object_id", "scope"],
                unique=True,
                sqlite_where=sa.text("state IN ('queued', 'running')"),
                postgresql_where=sa.text("state IN ('queued', 'running')"),
            )


def downgrade():
    with foreign_keys_off_on_sqlite(op):
        with op.batch_alter_table("lms_job", schema=None) as batch_op:
            batch_op.drop_index(
                "uq_lms_job_one_active",
                sqlite_where=sa.text("state IN ('queued', 'running')"),
                postgresql_where=sa.text("state IN ('queued', 'running')"),
            )
            batch_op.drop_index("ix_lms_job_state")
            batch_op.drop_index("ix_lms_job_owner_created")

        op.drop_table("lms_job")
