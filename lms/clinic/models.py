"""Klinik Inovasi cases: the consultation, its mentors, thread, files, read marks, stage
ticks and moves, appointments with their attendance, action items and follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.attendance.models import STATUSES as ATTENDANCE_STATUSES
from lms.db import Base, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.innovations.models import Innovation
    from lms.regions.models import Office, Region
    from lms.submissions.models import Submission

CATEGORIES = ("new_idea", "proposal_writing", "trial", "evidence", "video", "other")
URGENCIES = ("low", "normal", "high")
#: new: waiting for the coordinator; active: accepted, mentors at work; done: past the last
#: stage; merged: a duplicate (``merged_into_id``); closed: closed with a reason.
STATES = ("new", "active", "done", "merged", "closed")
OPEN_STATES = ("new", "active")
#: message: seen by everyone on the case; note: mentors' and coordinators' only; event: a
#: step of the case's history (accepted, stage moved...) written by the system.
MESSAGE_KINDS = ("message", "note", "event")
APPOINTMENT_MODES = ("in_person", "online")
APPOINTMENT_STATES = ("scheduled", "held", "cancelled")
ACTION_STATES = ("open", "done", "dropped")
FOLLOW_UP_MONTHS = (3, 6, 12)


def _in(column: str, values: tuple[Any, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Consultation(TimestampMixin, Base):
    """A civil servant's problem worked on with the clinic's mentors ("Konsultasi")."""

    __tablename__ = "lms_clinic_consultation"
    __table_args__ = (
        sa.CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        sa.CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
        sa.CheckConstraint(_in("state", STATES), name="state_known"),
        # Only a merged case points to another (the other deleted, the pointer becomes NULL).
        sa.CheckConstraint(
            "merged_into_id IS NULL OR state = 'merged'", name="merge_pointer_when_merged"
        ),
        sa.CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_own_merge"),
        sa.Index("ix_lms_clinic_consultation_region_state", "region_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_office.id"), index=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: The problem in the requester's words (Markdown) and its HTML, rendered when saved.
    problem: Mapped[str] = mapped_column(sa.Text)
    problem_html: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[str] = mapped_column(sa.String(20))
    urgency: Mapped[str] = mapped_column(sa.String(10), default="normal")
    state: Mapped[str] = mapped_column(sa.String(10), default="new")
    #: The key of its stage in the stage file (lms/clinic/stages.toml); data, not a constant.
    stage: Mapped[str] = mapped_column(sa.String(30))
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="SET NULL"), index=True
    )
    #: Why the coordinator closed it (state "closed").
    close_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The registry innovation it follows or produced (linked at opening or at Deliver).
    innovation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="SET NULL"), index=True
    )
    #: The requester's own class proposal it is about.
    submission_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_submission.id", ondelete="SET NULL"), index=True
    )
    #: The first answer of the clinic: acceptance, or a mentor's or coordinator's message.
    first_response_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it first reached the Deliver stage (follow-ups count from here).
    delivered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it became done, merged or closed.
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic lock: two coordinators triaging the same case never overwrite silently.
    lock_version: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()
    office: Mapped[Office] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    merged_into: Mapped[Consultation | None] = relationship(remote_side="Consultation.id")
    innovation: Mapped[Innovation | None] = relationship()
    submission: Mapped[Submission | None] = relationship()
    mentors: Mapped[list[CaseMentor]] = relationship(
        back_populates="consultation", order_by="CaseMentor.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.state} {self.stage}>"


class CaseMentor(Base):
    """A mentor (pendamping) assigned to a case by the coordinator."""

    __tablename__ = "lms_clinic_mentor"
    __table_args__ = (sa.UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="mentors")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Message(Base):
    """One entry of a case's thread: a message, a mentors' private note, or an event."""

    __tablename__ = "lms_clinic_message"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind_known"),
        sa.Index("ix_lms_clinic_message_case", "consultation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE")
    )
    #: NULL for events written by a command.
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(sa.String(10), default="message")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: The body's HTML (lms.markdown), rendered when saved.
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: An event's name ("accepted", "stage"...) and its values; the page words it.
    event: Mapped[str] = mapped_column(sa.String(30), default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    files: Mapped[list[CaseFile]] = relationship(back_populates="message", order_by="CaseFile.id")

    @property
    def private(self) -> bool:
        return self.kind == "note"


class CaseFile(Base):
    """A file of a case in lms.storage: given when it was opened, or with a message."""

    __tablename__ = "lms_clinic_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE"), index=True
    )
    #: NULL for the files given when the case was opened; a note's files are private too.
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_clinic_message.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(100))
    #: The uploader's file name: data only.
    name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message | None] = relationship(back_populates="files")


class ReadMark(Base):
    """How far a person has read a case's thread."""

    __tablename__ = "lms_clinic_read"
    __table_args__ = (sa.UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="CASCADE"), index=True
    )
    #: The newest message id the person has seen.
    last_message_id: Mapped[int] = mapped_column(default=0)
    read_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CriterionTick(Base):
    """A mentor ticked one exit criterion of one stage of a case."""

    __tablename__ = "lms_clinic_tick"
    __table_args__ = (sa.UniqueConstraint("consultation_id", "stage", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(sa.String(30))
    criterion: Mapped[str] = mapped_column(sa.String(30))
    ticked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    ticked_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StageMove(Base):
    """A case moved from one stage to the next; with the coordinator's reason when criteria
    were still open."""

    __tablename__ = "lms_clinic_stage_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str] = mapped_column(sa.String(30))
    #: "" when the move finished the last stage (the case is done).
    to_stage: Mapped[str] = mapped_column(sa.String(30), default="")
    #: The coordinator's written override; "" when every criterion was ticked.
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The criteria still open at an override.
    open_criteria: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    moved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    moved_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Appointment(Base):
    """A scheduled clinic meeting of a case ("Sesi konsultasi"), with its short record."""

    __tablename__ = "lms_clinic_appointment"
    __table_args__ = (
        sa.CheckConstraint("end_dt > start_dt", name="ends_after_start"),
        sa.CheckConstraint(_in("mode", APPOINTMENT_MODES), name="mode_known"),
        sa.CheckConstraint(_in("state", APPOINTMENT_STATES), name="state_known"),
        sa.CheckConstraint(
            "(mode = 'online' AND link LIKE 'https://%') OR (mode = 'in_person' AND place <> '')",
            name="place_or_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(sa.String(10))
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The online meeting's address; https only.
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default="scheduled")
    #: What was discussed and what was decided (Markdown), and their HTML.
    discussed: Mapped[str] = mapped_column(sa.Text, default="")
    discussed_html: Mapped[str] = mapped_column(sa.Text, default="")
    decisions: Mapped[str] = mapped_column(sa.Text, default="")
    decisions_html: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    recorded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    consultation: Mapped[Consultation] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class AppointmentAttendance(Base):
    """One person's presence at an appointment: the statuses, rules and marking grid of
    class meetings (lms.attendance), kept beside the appointment."""

    __tablename__ = "lms_clinic_attendance"
    __table_args__ = (
        sa.UniqueConstraint("appointment_id", "user_id"),
        sa.CheckConstraint(_in("status", ATTENDANCE_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_appointment.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    marked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock, as attendance records have.
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __mapper_args__ = {"version_id_col": version}


class ActionItem(Base):
    """Something to do by a date, with its owner ("Tindak lanjut")."""

    __tablename__ = "lms_clinic_action"
    __table_args__ = (
        sa.CheckConstraint(_in("state", ACTION_STATES), name="state_known"),
        sa.Index("ix_lms_clinic_action_open", "state", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    due_date: Mapped[date]
    state: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was marked done or dropped.
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When its owner was told it is due (once).
    reminded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(default=1)

    consultation: Mapped[Consultation] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    __mapper_args__ = {"version_id_col": lock_version}


class FollowUp(Base):
    """3, 6 and 12 months after a case reached Deliver, or after a class for a graded
    proposal: "did the trial start? is there a decree? still running?"."""

    __tablename__ = "lms_clinic_follow_up"
    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "months"),
        sa.UniqueConstraint("submission_id", "months"),
        sa.CheckConstraint(
            "consultation_id IS NOT NULL OR submission_id IS NOT NULL", name="about_something"
        ),
        sa.CheckConstraint(_in("months", FOLLOW_UP_MONTHS), name="months_known"),
        sa.Index("ix_lms_clinic_follow_up_region_due", "region_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    consultation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_clinic_consultation.id", ondelete="CASCADE")
    )
    #: A graded class proposal (follow-ups after a class).
    submission_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_submission.id", ondelete="CASCADE")
    )
    #: The innovation the answer is recorded on (known at creation or found at answering).
    innovation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="SET NULL"), index=True
    )
    #: The innovator asked.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    months: Mapped[int]
    due_date: Mapped[date]
    #: When the innovator was told it is due (once).
    notified_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    trial_started: Mapped[bool | None]
    trial_date: Mapped[date | None]
    has_decree: Mapped[bool | None]
    #: The decree's number as the innovator wrote it ("SK Bupati No. 12/2024").
    decree: Mapped[str] = mapped_column(sa.String(300), default="")
    still_running: Mapped[bool | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    consultation: Mapped[Consultation | None] = relationship()
    submission: Mapped[Submission | None] = relationship()
    innovation: Mapped[Innovation | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
