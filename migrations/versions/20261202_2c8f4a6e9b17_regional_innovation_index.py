"""The regional innovation index: reported innovations, evidence per indicator with claimed and verified levels, documents, class documents and stored indices

Revision ID: 2c8f4a6e9b17
Revises: 9a6d3c18e4f2
Create Date: 2026-12-02 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import lms.db
from lms.migrating import foreign_keys_off_on_sqlite

revision = "2c8f4a6e9b17"
down_revision = "9a6d3c18e4f2"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op):
        op.create_table(
            "lms_iid_class_document",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("cohort_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=12), nullable=False),
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("name", sa.String(length=255), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("number", sa.String(length=120), server_default="", nullable=False),
            sa.Column("doc_date", sa.Date(), nullable=True),
            sa.Column("about", sa.String(length=500), server_default="", nullable=False),
            sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "kind IN ('decree', 'invitation')",
                name=op.f("ck_lms_iid_class_document_kind_known"),
            ),
            sa.ForeignKeyConstraint(
                ["cohort_id"],
                ["lms_cohort.id"],
                name=op.f("fk_lms_iid_class_document_cohort_id_lms_cohort"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["uploaded_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_iid_class_document_uploaded_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_iid_class_document")),
        )
        with op.batch_alter_table("lms_iid_class_document", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_iid_class_document_cohort_id"), ["cohort_id"], unique=False
            )

        op.create_table(
            "lms_iid_stored_index",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("value", sa.Numeric(precision=6, scale=2), nullable=False),
            sa.Column("note", sa.String(length=300), server_default="", nullable=False),
            sa.Column("set_by_id", sa.Integer(), nullable=True),
            sa.Column("set_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.CheckConstraint(
                "value >= 0 AND value <= 100", name=op.f("ck_lms_iid_stored_index_value_is_index")
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_iid_stored_index_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["set_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_iid_stored_index_set_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_iid_stored_index")),
            sa.UniqueConstraint(
                "region_id", "year", name=op.f("uq_lms_iid_stored_index_region_id_year")
            ),
        )
        op.create_table(
            "lms_iid_entry",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=False),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("developed_further", sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["created_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_iid_entry_created_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_iid_entry_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_iid_entry_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_iid_entry")),
            sa.UniqueConstraint(
                "innovation_id", "year", name=op.f("uq_lms_iid_entry_innovation_id_year")
            ),
        )
        with op.batch_alter_table("lms_iid_entry", schema=None) as batch_op:
            batch_op.create_index(
                "ix_lms_iid_entry_region_year", ["region_id", "year", "updated_dt"], unique=False
            )

        op.create_table(
            "lms_iid_evidence",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=True),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("indicator_code", sa.String(length=20), nullable=False),
            sa.Column("claimed_level", sa.Integer(), nullable=True),
            sa.Column("claimed_by_id", sa.Integer(), nullable=True),
            sa.Column("claimed_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("verified_level", sa.Integer(), nullable=True),
            sa.Column("verified_note", sa.Text(), server_default="", nullable=False),
            sa.Column("verified_by_id", sa.Integer(), nullable=True),
            sa.Column("verified_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("copied_from_id", sa.Integer(), nullable=True),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "verified_level IS NULL OR verified_level = claimed_level OR verified_note <> ''",
                name=op.f("ck_lms_iid_evidence_differing_verification_has_note"),
            ),
            sa.CheckConstraint(
                "claimed_level IS NULL OR claimed_level >= 0",
                name=op.f("ck_lms_iid_evidence_claimed_not_negative"),
            ),
            sa.CheckConstraint(
                "verified_level IS NULL OR verified_level >= 0",
                name=op.f("ck_lms_iid_evidence_verified_not_negative"),
            ),
            sa.ForeignKeyConstraint(
                ["claimed_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_iid_evidence_claimed_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["copied_from_id"],
                ["lms_iid_evidence.id"],
                name=op.f("fk_lms_iid_evidence_copied_from_id_lms_iid_evidence"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_iid_evidence_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_iid_evidence_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["verified_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_iid_evidence_verified_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_iid_evidence")),
        )
        with op.batch_alter_table("lms_iid_evidence", schema=None) as batch_op:
            batch_op.create_index(
                "ix_lms_iid_evidence_region_year", ["region_id", "year", "updated_dt"], unique=False
            )
            batch_op.create_index(
                "uq_lms_iid_evidence_innovation",
                ["innovation_id", "year", "indicator_code"],
                unique=True,
                sqlite_where=sa.text("innovation_id IS NOT NULL"),
                postgresql_where=sa.text("innovation_id IS NOT NULL"),
            )
            batch_op.create_index(
                "uq_lms_iid_evidence_region",
                ["region_id", "year", "indicator_code"],
                unique=True,
                sqlite_where=sa.text("innovation_id IS NULL"),
                postgresql_where=sa.text("innovation_id IS NULL"),
            )

        op.create_table(
            "lms_iid_document",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("evidence_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("key", sa.String(length=100), nullable=True),
            sa.Column("name", sa.String(length=255), server_default="", nullable=False),
            sa.Column("size", sa.Integer(), server_default="0", nullable=False),
            sa.Column("file_kind", sa.String(length=10), server_default="", nullable=False),
            sa.Column("url", sa.String(length=500), server_default="", nullable=False),
            sa.Column("number", sa.String(length=120), server_default="", nullable=False),
            sa.Column("doc_date", sa.Date(), nullable=True),
            sa.Column("about", sa.String(length=500), server_default="", nullable=False),
            sa.Column("duration", sa.Double(), nullable=True),
            sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "key IS NOT NULL OR url <> ''", name=op.f("ck_lms_iid_document_file_or_link")
            ),
            sa.CheckConstraint(
                "duration IS NULL OR duration >= 0",
                name=op.f("ck_lms_iid_document_duration_not_negative"),
            ),
            sa.ForeignKeyConstraint(
                ["evidence_id"],
                ["lms_iid_evidence.id"],
                name=op.f("fk_lms_iid_document_evidence_id_lms_iid_evidence"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["uploaded_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_iid_document_uploaded_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_iid_document")),
        )
        with op.batch_alter_table("lms_iid_document", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_iid_document_evidence_id"), ["evidence_id"], unique=False
            )


def downgrade():
    with foreign_keys_off_on_sqlite(op):
        with op.batch_alter_table("lms_iid_document", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_iid_document_evidence_id"))

        op.drop_table("lms_iid_document")
        with op.batch_alter_table("lms_iid_evidence", schema=None) as batch_op:
            batch_op.drop_index(
                "uq_lms_iid_evidence_region",
                sqlite_where=sa.text("innovation_id IS NULL"),
                postgresql_where=sa.text("innovation_id IS NULL"),
            )
            batch_op.drop_index(
                "uq_lms_iid_evidence_innovation",
                sqlite_where=sa.text("innovation_id IS NOT NULL"),
                postgresql_where=sa.text("innovation_id IS NOT NULL"),
            )
            batch_op.drop_index("ix_lms_iid_evidence_region_year")

        op.drop_table("lms_iid_evidence")
        with op.batch_alter_table("lms_iid_entry", schema=None) as batch_op:
            batch_op.drop_index("ix_lms_iid_entry_region_year")

        op.drop_table("lms_iid_entry")
        op.drop_table("lms_iid_stored_index")
        with op.batch_alter_table("lms_iid_class_document", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_iid_class_document_cohort_id"))

        op.drop_table("lms_iid_class_document")
