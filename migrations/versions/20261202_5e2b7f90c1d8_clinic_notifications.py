"""Klinik Inovasi cases, appointments, action items and follow-ups; notifications and the e-mail outbox

Revision ID: 5e2b7f90c1d8
Revises: 8d41c0f2a6b3
Create Date: 2026-12-02 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import lms.db
from lms.migrating import foreign_keys_off_on_sqlite

revision = "5e2b7f90c1d8"
down_revision = "8d41c0f2a6b3"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op):
        op.create_table(
            "lms_notification",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=40), nullable=False),
            sa.Column("params", sa.JSON(), nullable=False),
            sa.Column("target", sa.JSON(), nullable=False),
            sa.Column("subject", sa.String(length=60), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("read_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_notification_user_id_lms_user_account"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_notification")),
        )
        with op.batch_alter_table("lms_notification", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_notification_created_dt"), ["created_dt"], unique=False
            )
            batch_op.create_index(
                "ix_lms_notification_subject", ["user_id", "subject"], unique=False
            )
            batch_op.create_index(
                "ix_lms_notification_unread", ["user_id", "read_dt"], unique=False
            )

        op.create_table(
            "lms_outbox_message",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("channel", sa.String(length=10), nullable=False),
            sa.Column("recipient_id", sa.Integer(), nullable=True),
            sa.Column("address", sa.String(length=254), nullable=False),
            sa.Column("subject", sa.String(length=300), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("notification_id", sa.Integer(), nullable=True),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("claimed_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("sent_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("last_error", sa.Text(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "channel IN ('email')", name=op.f("ck_lms_outbox_message_channel_known")
            ),
            sa.CheckConstraint(
                "state IN ('pending', 'sending', 'sent')",
                name=op.f("ck_lms_outbox_message_state_known"),
            ),
            sa.ForeignKeyConstraint(
                ["notification_id"],
                ["lms_notification.id"],
                name=op.f("fk_lms_outbox_message_notification_id_lms_notification"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["recipient_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_outbox_message_recipient_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_outbox_message")),
        )
        with op.batch_alter_table("lms_outbox_message", schema=None) as batch_op:
            batch_op.create_index(
                "ix_lms_outbox_message_due", ["state", "next_attempt_dt"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_lms_outbox_message_recipient_id"), ["recipient_id"], unique=False
            )

        op.create_table(
            "lms_clinic_consultation",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("office_id", sa.Integer(), nullable=False),
            sa.Column("requester_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("problem", sa.Text(), nullable=False),
            sa.Column("problem_html", sa.Text(), nullable=False),
            sa.Column("category", sa.String(length=20), nullable=False),
            sa.Column("urgency", sa.String(length=10), nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("stage", sa.String(length=30), nullable=False),
            sa.Column("merged_into_id", sa.Integer(), nullable=True),
            sa.Column("close_reason", sa.Text(), nullable=False),
            sa.Column("innovation_id", sa.Integer(), nullable=True),
            sa.Column("submission_id", sa.Integer(), nullable=True),
            sa.Column("first_response_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("delivered_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("ended_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("updated_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "category IN ('new_idea', 'proposal_writing', 'trial', 'evidence', 'video', 'other')",
                name=op.f("ck_lms_clinic_consultation_category_known"),
            ),
            sa.CheckConstraint(
                "merged_into_id IS NULL OR state = 'merged'",
                name=op.f("ck_lms_clinic_consultation_merge_pointer_when_merged"),
            ),
            sa.CheckConstraint(
                "state IN ('new', 'active', 'done', 'merged', 'closed')",
                name=op.f("ck_lms_clinic_consultation_state_known"),
            ),
            sa.CheckConstraint(
                "urgency IN ('low', 'normal', 'high')",
                name=op.f("ck_lms_clinic_consultation_urgency_known"),
            ),
            sa.CheckConstraint(
                "merged_into_id IS NULL OR merged_into_id <> id",
                name=op.f("ck_lms_clinic_consultation_not_own_merge"),
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_clinic_consultation_innovation_id_lms_innovation"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["merged_into_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_consultation_merged_into_id_lms_clinic_consultation"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["office_id"],
                ["lms_office.id"],
                name=op.f("fk_lms_clinic_consultation_office_id_lms_office"),
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_clinic_consultation_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["requester_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_consultation_requester_id_lms_user_account"),
            ),
            sa.ForeignKeyConstraint(
                ["submission_id"],
                ["lms_submission.id"],
                name=op.f("fk_lms_clinic_consultation_submission_id_lms_submission"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_consultation")),
        )
        with op.batch_alter_table("lms_clinic_consultation", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_consultation_innovation_id"),
                ["innovation_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_consultation_merged_into_id"),
                ["merged_into_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_consultation_office_id"), ["office_id"], unique=False
            )
            batch_op.create_index(
                "ix_lms_clinic_consultation_region_state", ["region_id", "state"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_consultation_requester_id"),
                ["requester_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_consultation_submission_id"),
                ["submission_id"],
                unique=False,
            )

        op.create_table(
            "lms_clinic_action",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=300), nullable=False),
            sa.Column("owner_id", sa.Integer(), nullable=False),
            sa.Column("due_date", sa.Date(), nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("closed_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("reminded_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.CheckConstraint(
                "state IN ('open', 'done', 'dropped')",
                name=op.f("ck_lms_clinic_action_state_known"),
            ),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_action_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["created_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_action_created_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["owner_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_action_owner_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_action")),
        )
        with op.batch_alter_table("lms_clinic_action", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_action_consultation_id"),
                ["consultation_id"],
                unique=False,
            )
            batch_op.create_index("ix_lms_clinic_action_open", ["state", "due_date"], unique=False)
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_action_owner_id"), ["owner_id"], unique=False
            )

        op.create_table(
            "lms_clinic_appointment",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("start_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("end_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("mode", sa.String(length=10), nullable=False),
            sa.Column("place", sa.String(length=200), nullable=False),
            sa.Column("link", sa.String(length=500), nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("discussed", sa.Text(), nullable=False),
            sa.Column("discussed_html", sa.Text(), nullable=False),
            sa.Column("decisions", sa.Text(), nullable=False),
            sa.Column("decisions_html", sa.Text(), nullable=False),
            sa.Column("recorded_by_id", sa.Integer(), nullable=True),
            sa.Column("recorded_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("created_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("lock_version", sa.Integer(), nullable=False),
            sa.CheckConstraint(
                "(mode = 'online' AND link LIKE 'https://%') OR (mode = 'in_person' AND place <> '')",
                name=op.f("ck_lms_clinic_appointment_place_or_link"),
            ),
            sa.CheckConstraint(
                "mode IN ('in_person', 'online')", name=op.f("ck_lms_clinic_appointment_mode_known")
            ),
            sa.CheckConstraint(
                "state IN ('scheduled', 'held', 'cancelled')",
                name=op.f("ck_lms_clinic_appointment_state_known"),
            ),
            sa.CheckConstraint(
                "end_dt > start_dt", name=op.f("ck_lms_clinic_appointment_ends_after_start")
            ),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_appointment_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["created_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_appointment_created_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["recorded_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_appointment_recorded_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_appointment")),
        )
        with op.batch_alter_table("lms_clinic_appointment", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_appointment_consultation_id"),
                ["consultation_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_appointment_start_dt"), ["start_dt"], unique=False
            )

        op.create_table(
            "lms_clinic_follow_up",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=True),
            sa.Column("submission_id", sa.Integer(), nullable=True),
            sa.Column("innovation_id", sa.Integer(), nullable=True),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("months", sa.Integer(), nullable=False),
            sa.Column("due_date", sa.Date(), nullable=False),
            sa.Column("notified_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("answered_dt", lms.db.UTCDateTime(timezone=True), nullable=True),
            sa.Column("answered_by_id", sa.Integer(), nullable=True),
            sa.Column("trial_started", sa.Boolean(), nullable=True),
            sa.Column("trial_date", sa.Date(), nullable=True),
            sa.Column("has_decree", sa.Boolean(), nullable=True),
            sa.Column("decree", sa.String(length=300), nullable=False),
            sa.Column("still_running", sa.Boolean(), nullable=True),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "consultation_id IS NOT NULL OR submission_id IS NOT NULL",
                name=op.f("ck_lms_clinic_follow_up_about_something"),
            ),
            sa.CheckConstraint(
                "months IN (3, 6, 12)", name=op.f("ck_lms_clinic_follow_up_months_known")
            ),
            sa.ForeignKeyConstraint(
                ["answered_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_follow_up_answered_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_follow_up_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["innovation_id"],
                ["lms_innovation.id"],
                name=op.f("fk_lms_clinic_follow_up_innovation_id_lms_innovation"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["region_id"],
                ["lms_region.id"],
                name=op.f("fk_lms_clinic_follow_up_region_id_lms_region"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["submission_id"],
                ["lms_submission.id"],
                name=op.f("fk_lms_clinic_follow_up_submission_id_lms_submission"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_follow_up_user_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_follow_up")),
            sa.UniqueConstraint(
                "consultation_id",
                "months",
                name=op.f("uq_lms_clinic_follow_up_consultation_id_months"),
            ),
            sa.UniqueConstraint(
                "submission_id", "months", name=op.f("uq_lms_clinic_follow_up_submission_id_months")
            ),
        )
        with op.batch_alter_table("lms_clinic_follow_up", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_follow_up_innovation_id"), ["innovation_id"], unique=False
            )
            batch_op.create_index(
                "ix_lms_clinic_follow_up_region_due", ["region_id", "due_date"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_follow_up_user_id"), ["user_id"], unique=False
            )

        op.create_table(
            "lms_clinic_mentor",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("assigned_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["assigned_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_mentor_assigned_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_mentor_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_mentor_user_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_mentor")),
            sa.UniqueConstraint(
                "consultation_id",
                "user_id",
                name=op.f("uq_lms_clinic_mentor_consultation_id_user_id"),
            ),
        )
        with op.batch_alter_table("lms_clinic_mentor", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_mentor_consultation_id"),
                ["consultation_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_mentor_user_id"), ["user_id"], unique=False
            )

        op.create_table(
            "lms_clinic_message",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("author_id", sa.Integer(), nullable=True),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("body_html", sa.Text(), nullable=False),
            sa.Column("event", sa.String(length=30), nullable=False),
            sa.Column("data", sa.JSON(), nullable=False),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.CheckConstraint(
                "kind IN ('message', 'note', 'event')",
                name=op.f("ck_lms_clinic_message_kind_known"),
            ),
            sa.ForeignKeyConstraint(
                ["author_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_message_author_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_message_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_message")),
        )
        with op.batch_alter_table("lms_clinic_message", schema=None) as batch_op:
            batch_op.create_index(
                "ix_lms_clinic_message_case", ["consultation_id", "id"], unique=False
            )

        op.create_table(
            "lms_clinic_read",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("last_message_id", sa.Integer(), nullable=False),
            sa.Column("read_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_read_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_read_user_id_lms_user_account"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_read")),
            sa.UniqueConstraint(
                "consultation_id",
                "user_id",
                name=op.f("uq_lms_clinic_read_consultation_id_user_id"),
            ),
        )
        with op.batch_alter_table("lms_clinic_read", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_read_user_id"), ["user_id"], unique=False
            )

        op.create_table(
            "lms_clinic_stage_move",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("from_stage", sa.String(length=30), nullable=False),
            sa.Column("to_stage", sa.String(length=30), nullable=False),
            sa.Column("override_reason", sa.Text(), nullable=False),
            sa.Column("open_criteria", sa.JSON(), nullable=False),
            sa.Column("moved_by_id", sa.Integer(), nullable=True),
            sa.Column("moved_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_stage_move_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["moved_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_stage_move_moved_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_stage_move")),
        )
        with op.batch_alter_table("lms_clinic_stage_move", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_stage_move_consultation_id"),
                ["consultation_id"],
                unique=False,
            )

        op.create_table(
            "lms_clinic_tick",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("stage", sa.String(length=30), nullable=False),
            sa.Column("criterion", sa.String(length=30), nullable=False),
            sa.Column("ticked_by_id", sa.Integer(), nullable=True),
            sa.Column("ticked_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_tick_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["ticked_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_tick_ticked_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_tick")),
            sa.UniqueConstraint(
                "consultation_id",
                "stage",
                "criterion",
                name=op.f("uq_lms_clinic_tick_consultation_id_stage_criterion"),
            ),
        )
        with op.batch_alter_table("lms_clinic_tick", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_tick_consultation_id"), ["consultation_id"], unique=False
            )

        op.create_table(
            "lms_clinic_attendance",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("appointment_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("note", sa.String(length=500), nullable=False),
            sa.Column("marked_by_id", sa.Integer(), nullable=True),
            sa.Column("updated_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.CheckConstraint(
                "status IN ('present', 'late', 'excused', 'sick', 'absent')",
                name=op.f("ck_lms_clinic_attendance_status_known"),
            ),
            sa.ForeignKeyConstraint(
                ["appointment_id"],
                ["lms_clinic_appointment.id"],
                name=op.f("fk_lms_clinic_attendance_appointment_id_lms_clinic_appointment"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["marked_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_attendance_marked_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_attendance_user_id_lms_user_account"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_attendance")),
            sa.UniqueConstraint(
                "appointment_id",
                "user_id",
                name=op.f("uq_lms_clinic_attendance_appointment_id_user_id"),
            ),
        )
        with op.batch_alter_table("lms_clinic_attendance", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_attendance_appointment_id"),
                ["appointment_id"],
                unique=False,
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_attendance_user_id"), ["user_id"], unique=False
            )

        op.create_table(
            "lms_clinic_file",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("consultation_id", sa.Integer(), nullable=False),
            sa.Column("message_id", sa.Integer(), nullable=True),
            sa.Column("key", sa.String(length=100), nullable=False),
            sa.Column("name", sa.String(length=255), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
            sa.Column("created_dt", lms.db.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["consultation_id"],
                ["lms_clinic_consultation.id"],
                name=op.f("fk_lms_clinic_file_consultation_id_lms_clinic_consultation"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["message_id"],
                ["lms_clinic_message.id"],
                name=op.f("fk_lms_clinic_file_message_id_lms_clinic_message"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["uploaded_by_id"],
                ["lms_user_account.id"],
                name=op.f("fk_lms_clinic_file_uploaded_by_id_lms_user_account"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_clinic_file")),
        )
        with op.batch_alter_table("lms_clinic_file", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_file_consultation_id"), ["consultation_id"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_lms_clinic_file_message_id"), ["message_id"], unique=False
            )


def downgrade():
    with foreign_keys_off_on_sqlite(op):
        with op.batch_alter_table("lms_clinic_file", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_file_message_id"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_file_consultation_id"))

        op.drop_table("lms_clinic_file")
        with op.batch_alter_table("lms_clinic_attendance", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_attendance_user_id"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_attendance_appointment_id"))

        op.drop_table("lms_clinic_attendance")
        with op.batch_alter_table("lms_clinic_tick", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_tick_consultation_id"))

        op.drop_table("lms_clinic_tick")
        with op.batch_alter_table("lms_clinic_stage_move", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_stage_move_consultation_id"))

        op.drop_table("lms_clinic_stage_move")
        with op.batch_alter_table("lms_clinic_read", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_read_user_id"))

        op.drop_table("lms_clinic_read")
        with op.batch_alter_table("lms_clinic_message", schema=None) as batch_op:
            batch_op.drop_index("ix_lms_clinic_message_case")

        op.drop_table("lms_clinic_message")
        with op.batch_alter_table("lms_clinic_mentor", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_mentor_user_id"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_mentor_consultation_id"))

        op.drop_table("lms_clinic_mentor")
        with op.batch_alter_table("lms_clinic_follow_up", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_follow_up_user_id"))
            batch_op.drop_index("ix_lms_clinic_follow_up_region_due")
            batch_op.drop_index(batch_op.f("ix_lms_clinic_follow_up_innovation_id"))

        op.drop_table("lms_clinic_follow_up")
        with op.batch_alter_table("lms_clinic_appointment", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_appointment_start_dt"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_appointment_consultation_id"))

        op.drop_table("lms_clinic_appointment")
        with op.batch_alter_table("lms_clinic_action", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_action_owner_id"))
            batch_op.drop_index("ix_lms_clinic_action_open")
            batch_op.drop_index(batch_op.f("ix_lms_clinic_action_consultation_id"))

        op.drop_table("lms_clinic_action")
        with op.batch_alter_table("lms_clinic_consultation", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_clinic_consultation_submission_id"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_consultation_requester_id"))
            batch_op.drop_index("ix_lms_clinic_consultation_region_state")
            batch_op.drop_index(batch_op.f("ix_lms_clinic_consultation_office_id"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_consultation_merged_into_id"))
            batch_op.drop_index(batch_op.f("ix_lms_clinic_consultation_innovation_id"))

        op.drop_table("lms_clinic_consultation")
        with op.batch_alter_table("lms_outbox_message", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_lms_outbox_message_recipient_id"))
            batch_op.drop_index("ix_lms_outbox_message_due")

        op.drop_table("lms_outbox_message")
        with op.batch_alter_table("lms_notification", schema=None) as batch_op:
            batch_op.drop_index("ix_lms_notification_unread")
            batch_op.drop_index("ix_lms_notification_subject")
            batch_op.drop_index(batch_op.f("ix_lms_notification_created_dt"))

        op.drop_table("lms_notification")
