"""Personal access tokens of the JSON API; check-ins synced from a phone that was offline

Revision ID: 6f1c9e3a7d25
Revises: 2c8f4a6e9b17
Create Date: 2026-12-02 17:00:00.000000

A queued check-in carries the device's id for harmless replays (unique) and notes it arrived
late; existing records were all live check-ins or organizers' marks.
"""

import sqlalchemy as sa
from alembic import op

import lms.db
from lms.migrating import foreign_keys_off_on_sqlite

revision = "6f1c9e3a7d25"
down_revision = "2c8f4a6e9b17"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op):
        op.create_table(
            "lms_api_token",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("hint", sa.String(length=16), nullable=False),
            sa.Column("scopes", sa.JSON(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("expires_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("revoked_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.CheckConstraint(
                "expires_dt > created_dt", name=op.f("ck_lms_api_token_expires_after_creation")
            ),
            sa.CheckConstraint(
                "length(token_hash) = 64", name=op.f("ck_lms_api_token_hash_length")
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_api_token_user_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_api_token")),
            sa.UniqueConstraint("token_hash", name=op.f("uq_lms_api_token_token_hash")),
        )
        with op.batch_alter_table("lms_api_token", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_lms_api_token_user_id"), ["user_id"], unique=False)

        with op.batch_alter_table("lms_attendance_record", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("synced_late", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            batch_op.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(
                batch_op.f("uq_lms_attendance_record_client_id"), ["client_id"]
            )


def downgrade():
    with foreign_keys_off_on_sqlite(op):
        with op.batch_alter_table("lms_attendance_record", schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f("uq_lms_attendance_record_client_id"), type_="unique"
            )
            batch_op.drop_column("client_id")
            batch_op.drop_column("synced_late")

        with op.batch_alter_table("lms_api_token", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_api_token_user_id"))

        op.drop_table("lms_api_token")
