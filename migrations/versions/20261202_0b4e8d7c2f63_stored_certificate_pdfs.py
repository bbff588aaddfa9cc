"""Each certificate's own PDF, stored at issue behind a fingerprint

Revision ID: 0b4e8d7c2f63
Revises: 6f1c9e3a7d25
Create Date: 2026-12-02 17:00:00.000000

Existing certificates have none: a download draws them as before until
flask lms certificates store-pdfs stores them.
"""

import sqlalchemy as sa
from alembic import op

from lms.migrating import foreign_keys_off_on_sqlite

revision = "0b4e8d7c2f63"
down_revision = "6f1c9e3a7d25"
branch_labels = None
depends_on = None


def upgrade():
    table = op.batch_alter_table("lms_certificate", schema=None)
    with foreign_keys_off_on_sqlite(op), table as batch_op:
        batch_op.add_column(sa.Column("pdf_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("pdf_fingerprint", sa.String(length=64), nullable=True))


def downgrade():
    table = op.batch_alter_table("lms_certificate", schema=None)
    with foreign_keys_off_on_sqlite(op), table as batch_op:
        batch_op.drop_column("pdf_fingerprint")
        batch_op.drop_column("pdf_key")
