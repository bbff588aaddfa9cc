"""Regions, offices, region roles and the innovation registry

Revision ID: 8d41c0f2a6b3
Revises: a7c3e9d21b54
Create Date: 2026-12-02 17:00:00.000000

A class may belong to a region and a person's free-text office may be matched to an Office;
nothing is backfilled (the coordinator's matching page links existing people).
"""

import sqlalchemy as sa
from alembic import op

import lms.db
from lms.migrating import foreign_keys_off_on_sqlite

revision = "8d41c0f2a6b3"
down_revision = "a7c3e9d21b54"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op):
        op.create_table(
            "lms_region",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("code", sa.String(length=20), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("province", sa.String(length=200), nullable=False),
            sa.Column("parent_id", sa.Integer(), nullable=True),
            sa.Column("timezone", sa.String(length=64), nullable=False),
            sa.Column("agency_name", sa.String(length=300), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint("code <> ''", name=op.f("ck_lms_region_code_not_empty")),
            sa.CheckConstraint(
                "kind IN ('kabupaten', 'kota', 'provinsi')", name=op.f("ck_lms_region_kind_known")
            ),
            sa.ForeignKeyConstraint(
                ["parent_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_region_parent_id_lms_region"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_region")),
            sa.UniqueConstraint("code", name=op.f("uq_lms_region_code")),
        )
        with op.batch_alter_table("lms_region", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_region_parent_id"), ["parent_id"], unique=False
            )

        op.create_table(
            "lms_office",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("acronym", sa.String(length=40), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("parent_id", sa.Integer(), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "kind IN ('sekretariat', 'dinas', 'badan', 'kantor', 'inspektorat', 'kecamatan', 'kelurahan', 'puskesmas', 'rsud', 'sekolah', 'uptd', 'lainnya')",
                name=op.f("ck_lms_office_kind_known"),
            ),
            sa.CheckConstraint("name <> ''", name=op.f("ck_lms_office_name_not_empty")),
            sa.ForeignKeyConstraint(
                ["parent_id"],
                ["lms_office.id"],
                name=op.f("fk_lms_office_parent_id_lms_office"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_office_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_office")),
            sa.UniqueConstraint("region_id", "name", name=op.f("uq_lms_office_region_id_name")),
        )
        with op.batch_alter_table("lms_office", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_office_parent_id"), ["parent_id"], unique=False
            )
            batch_op.create_index(
                "uq_lms_office_region_id_acronym",
                ["region_id", "acronym"],
                unique=True,
                sqlite_where=sa.text("acronym <> ''"),
                postgresql_where=sa.text("acronym <> ''"),
            )

        op.create_table(
            "lms_region_membership",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("office_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "(role = 'office_operator') = (office_id IS NOT NULL)",
                name=op.f("ck_lms_region_membership_operator_has_office"),
            ),
            sa.CheckConstraint(
                "role IN ('coordinator', 'office_operator', 'mentor', 'leader')",
                name=op.f("ck_lms_region_membership_role_known"),
            ),
            sa.ForeignKeyConstraint(
                ["office_id"],
                ["lms_office.id"],
                name=op.f("fk_lms_region_membership_office_id_lms_office"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_region_membership_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_region_membership_user_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_region_membership")),
            sa.UniqueConstraint(
                "region_id",
                "user_id",
                "role",
                name=op.f("uq_lms_region_membership_region_id_user_id_role"),
            ),
        )
        with op.batch_alter_table("lms_region_membership", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_region_membership_office_id"), ["office_id"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_lms_region_membership_user_id"), ["user_id"], unique=False
            )

        op.create_table(
            "lms_innovation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("office_id", sa.Integer(), nullable=False),
            sa.Column("profile", sa.JSON(), nullable=False),
            sa.Column("html", sa.JSON(), nullable=False),
            sa.Column("name", sa.String(length=300), nullable=False),
            sa.Column("stage", sa.String(length=12), nullable=False),
            sa.Column("initiated_date", sa.Date(), nullable=True),
            sa.Column("trial_date", sa.Date(), nullable=True),
            sa.Column("implementation_date", sa.Date(), nullable=True),
            sa.Column("state", sa.String(length=20), nullable=False),
            sa.Column("latest_number", sa.Integer(), nullable=False),
            sa.Column("archive_reason", sa.Text(), nullable=False),
            sa.Column("video_url", sa.String(length=500), nullable=False),
            sa.Column("source_version_id", sa.Integer(), nullable=True),
            sa.Column("slug", sa.String(length=120), nullable=True),
            sa.Column("published_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("drivers", sa.Text(), nullable=False),
            sa.Column("obstacles", sa.Text(), nullable=False),
            sa.Column("prerequisites", sa.Text(), nullable=False),
            sa.Column("contact_office_id", sa.Integer(), nullable=True),
            sa.Column("replicated_from_id", sa.Integer(), nullable=True),
            sa.Column("replicated_from_url", sa.String(length=500), nullable=False),
            sa.Column("replicated_from_label", sa.String(length=300), nullable=False),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "published_dt IS NULL OR state = 'verified'",
                name=op.f("ck_lms_innovation_published_only_verified"),
            ),
            sa.CheckConstraint(
                "stage IN ('inisiatif', 'uji_coba', 'penerapan')",
                name=op.f("ck_lms_innovation_stage_known"),
            ),
            sa.CheckConstraint(
                "state IN ('draft', 'submitted', 'revisions_requested', 'verified', 'archived')",
                name=op.f("ck_lms_innovation_state_known"),
            ),
            sa.CheckConstraint(
                "replicated_from_id IS NULL OR replicated_from_id <> id",
                name=op.f("ck_lms_innovation_not_own_source"),
            ),
            sa.ForeignKeyConstraint(
                ["contact_office_id"],
                ["lms_office.id"],
                name=op.f("fk_lms_innovation_contact_office_id_lms_office"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["created_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_created_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["office_id"],
                ["lms_office.id"],
                name=op.f("fk_lms_innovation_office_id_lms_office"),
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_innovation_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["replicated_from_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_innovation_replicated_from_id_lms_innovation"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["source_version_id"],
                ["lms_submission_version.id"],
                name=op.f("fk_lms_innovation_source_version_id_lms_submission_version"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_innovation")),
            sa.UniqueConstraint("slug", name=op.f("uq_lms_innovation_slug")),
            sa.UniqueConstraint(
                "source_version_id", name=op.f("uq_lms_innovation_source_version_id")
            ),
        )
        with op.batch_alter_table("lms_innovation", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_office_id"), ["office_id"], unique=False
            )
            batch_op.create_index(
                "ix_lms_innovation_region_office", ["region_id", "office_id"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_replicated_from_id"),
                ["replicated_from_id"],
                unique=False,
            )

        op.create_table(
            "lms_innovation_confirmation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=False),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=12), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
            sa.Column("confirmed_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "status IN ('running', 'stopped', 'replicated')",
                name=op.f("ck_lms_innovation_confirmation_status_known"),
            ),
            sa.ForeignKeyConstraint(
                ["confirmed_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_confirmation_confirmed_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_innovation_confirmation_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_innovation_confirmation")),
            sa.UniqueConstraint(
                "innovation_id",
                "year",
                name=op.f("uq_lms_innovation_confirmation_innovation_id_year"),
            ),
        )
        with op.batch_alter_table("lms_innovation_confirmation", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_confirmation_innovation_id"),
                ["innovation_id"],
                unique=False,
            )

        op.create_table(
            "lms_innovation_file",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("name", sa.String(length=255), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("role", sa.String(length=10), nullable=False),
            sa.Column("removed", sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "role IN ('budget', 'sop', 'photo', 'video', 'other')",
                name=op.f("ck_lms_innovation_file_role_known"),
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_innovation_file_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["uploaded_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_file_uploaded_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_innovation_file")),
        )
        with op.batch_alter_table("lms_innovation_file", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_file_innovation_id"), ["innovation_id"], unique=False
            )

        op.create_table(
            "lms_innovation_innovator",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=True),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=100), nullable=False),
            sa.Column("show_in_catalogue", sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.CheckConstraint(
                "user_id IS NOT NULL OR name <> ''", name=op.f("ck_lms_innovation_innovator_named")
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_innovation_innovator_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_innovator_user_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_innovation_innovator")),
            sa.UniqueConstraint(
                "innovation_id",
                "user_id",
                name=op.f("uq_lms_innovation_innovator_innovation_id_user_id"),
            ),
        )
        with op.batch_alter_table("lms_innovation_innovator", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_innovator_innovation_id"),
                ["innovation_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_innovator_user_id"), ["user_id"], unique=False
            )

        op.create_table(
            "lms_innovation_note",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=False),
            sa.Column("version_number", sa.Integer(), nullable=False),
            sa.Column("field_key", sa.String(length=40), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("author_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("answered_by_id", sa.Integer(), nullable=True),
            sa.Column("answered_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(
                ["answered_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_note_answered_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["author_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_note_author_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_innovation_note_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_innovation_note")),
        )
        with op.batch_alter_table("lms_innovation_note", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_note_innovation_id"), ["innovation_id"], unique=False
            )

        op.create_table(
            "lms_innovation_version",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=False),
            sa.Column("number", sa.Integer(), nullable=False),
            sa.Column("profile", sa.JSON(), nullable=False),
            sa.Column("files", sa.JSON(), nullable=False),
            sa.Column("office_id", sa.Integer(), nullable=False),
            sa.Column("video_url", sa.String(length=500), nullable=False),
            sa.Column("submitted_by_id", sa.Integer(), nullable=True),
            sa.Column("submitted_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_innovation_version_innovation_id_lms_innovation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["office_id"],
                ["lms_office.id"],
                name=op.f("fk_lms_innovation_version_office_id_lms_office"),
            ),
            sa.ForeignKeyConstraint(
                ["submitted_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_innovation_version_submitted_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_innovation_version")),
            sa.UniqueConstraint(
                "innovation_id",
                "number",
                name=op.f("uq_lms_innovation_version_innovation_id_number"),
            ),
        )
        with op.batch_alter_table("lms_innovation_version", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_innovation_version_innovation_id"),
                ["innovation_id"],
                unique=False,
            )

        with op.batch_alter_table("lms_cohort", schema=None) as batch_op:
            batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
            batch_op.create_index(
                batch_op.f("ix_lms_cohort_region_id"), ["region_id"], unique=False
            )
            batch_op.create_foreign_key(
                batch_op.f("fk_lms_cohort_region_id_lms_region"),
                "lms_region",
                ["region_id"],
                ["id"],
                ondelete="SET NULL",
            )

        with op.batch_alter_table("lms_user_account", schema=None) as batch_op:
            batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
            batch_op.create_index(
                batch_op.f("ix_lms_user_account_office_id"), ["office_id"], unique=False
            )
            batch_op.create_foreign_key(
                batch_op.f("fk_lms_user_account_office_id_lms_office"),
                "lms_office",
                ["office_id"],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade():
    with foreign_keys_off_on_sqlite(op):
        with op.batch_alter_table("lms_user_account", schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f("fk_lms_user_account_office_id_lms_office"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f("ix_lms_user_account_office_id"))
            batch_op.drop_column("office_id")

        with op.batch_alter_table("lms_cohort", schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f("fk_lms_cohort_region_id_lms_region"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f("ix_lms_cohort_region_id"))
            batch_op.drop_column("region_id")

        with op.batch_alter_table("lms_innovation_version", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_innovation_version_innovation_id"))

        op.drop_table("lms_innovation_version")
        with op.batch_alter_table("lms_innovation_note", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_innovation_note_innovation_id"))

        op.drop_table("lms_innovation_note")
        with op.batch_alter_table("lms_innovation_innovator", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_innovation_innovator_user_id"))
            batch_op.drop_index(batch_op.f("ix_lms_innovation_innovator_innovation_id"))

        op.drop_table("lms_innovation_innovator")
        with op.batch_alter_table("lms_innovation_file", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_innovation_file_innovation_id"))

        op.drop_table("lms_innovation_file")
        with op.batch_alter_table("lms_innovation_confirmation", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_innovation_confirmation_innovation_id"))

        op.drop_table("lms_innovation_confirmation")
        with op.batch_alter_table("lms_innovation", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_innovation_replicated_from_id"))
            batch_op.drop_index("ix_lms_innovation_region_office")
            batch_op.drop_index(batch_op.f("ix_lms_innovation_office_id"))

        op.drop_table("lms_innovation")
        with op.batch_alter_table("lms_region_membership", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_region_membership_user_id"))
            batch_op.drop_index(batch_op.f("ix_lms_region_membership_office_id"))

        op.drop_table("lms_region_membership")
        with op.batch_alter_table("lms_office", schema=None) as batch_op:
            batch_op.drop_index(
                "uq_lms_office_region_id_acronym",
                sqlite_where=sa.text("acronym <> ''"),
                postgresql_where=sa.text("acronym <> ''"),
            )
            batch_op.drop_index(batch_op.f("ix_lms_office_parent_id"))

        op.drop_table("lms_office")
        with op.batch_alter_table("lms_region", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_region_parent_id"))

        op.drop_table("lms_region")
