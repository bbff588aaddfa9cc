"""The cohort's grading token: counts over its grading are kept per process under it

Revision ID: e3b7a1c94d02
Revises: 0b4e8d7c2f63
Create Date: 2026-12-04 22:00:00.000000

NULL until the first change after this migration; lms.grading.kept sets a new random value
on every change to the cohort's participants, submissions or grading.
"""

import sqlalchemy as sa
from alembic import op

from lms.migrating import foreign_keys_off_on_sqlite

revision = "e3b7a1c94d02"
down_revision = "0b4e8d7c2f63"
branch_labels = None
depends_on = None


def upgrade():
    table = op.batch_alter_table("lms_cohort", schema=None)
    with foreign_keys_off_on_sqlite(op), table as batch_op:
        batch_op.add_column(sa.Column("grading_token", sa.String(length=16), nullable=True))


def downgrade():
    table = op.batch_alter_table("lms_cohort", schema=None)
    with foreign_keys_off_on_sqlite(op), table as batch_op:
        batch_op.drop_column("grading_token")
