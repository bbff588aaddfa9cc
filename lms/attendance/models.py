"""Meetings, attendance records and excuse requests."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort

STATUSES = ("present", "late", "excused", "sick", "absent")
#: Statuses that count as attended for the rate; excused/sick depend on the cohort setting.
ATTENDED = ("present", "late")
EXCUSED = ("excused", "sick")

meeting_trainer = sa.Table(
    "lms_meeting_trainer",
    Base.metadata,
    sa.Column("meeting_id", sa.ForeignKey("lms_meeting.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("lms_user_account.id"), primary_key=True),
)


def _new_secret() -> str:
    return secrets.token_hex(16)


class Meeting(Base):
    """A scheduled in-person meeting ("Pertemuan") of a cohort."""

    __tablename__ = "lms_meeting"
    __table_args__ = (
        sa.CheckConstraint("end_dt > start_dt", name="ends_after_start"),
        sa.CheckConstraint("jp >= 0", name="jp_not_negative"),
        sa.CheckConstraint(
            "opens_before_minutes >= 0 AND closes_after_minutes >= 0 AND late_after_minutes >= 0",
            name="window_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Training hours (jam pelajaran) this meeting is worth.
    jp: Mapped[int] = mapped_column(default=0)
    #: Check-in opens this many minutes before the start.
    opens_before_minutes: Mapped[int] = mapped_column(default=30)
    #: Check-in closes this many minutes after the end.
    closes_after_minutes: Mapped[int] = mapped_column(default=0)
    #: Checking in later than start + this many minutes is "late".
    late_after_minutes: Mapped[int] = mapped_column(default=15)
    #: HMAC key of the rotating check-in code; never shown.
    secret: Mapped[str] = mapped_column(sa.String(64), default=_new_secret)
    #: Set when the organizer closed the meeting (everyone unmarked became absent).
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    trainers: Mapped[list[User]] = relationship(secondary=meeting_trainer)

    @property
    def opens_dt(self) -> datetime:
        return self.start_dt - timedelta(minutes=self.opens_before_minutes)

    @property
    def closes_dt(self) -> datetime:
        return self.end_dt + timedelta(minutes=self.closes_after_minutes)

    @property
    def late_dt(self) -> datetime:
        return self.start_dt + timedelta(minutes=self.late_after_minutes)

    def window_open(self, when: datetime) -> bool:
        return self.opens_dt <= when <= self.closes_dt


class AttendanceRecord(Base):
    """One participant's presence at one meeting. Corrected, never deleted."""

    __tablename__ = "lms_attendance_record"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "user_id"),
        sa.CheckConstraint(
            "status IN ('present', 'late', 'excused', 'sick', 'absent')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    #: When the participant checked in themselves (NULL when marked by an organizer).
    checked_in_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "checkin", "organizer", "import", "excuse" or "close".
    source: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock: two organizers correcting the same row never overwrite silently.
    version: Mapped[int] = mapped_column(default=1)
    #: The participant's own check-in was queued on their phone (offline) and reached the
    #: server after its code had left the screen: ``checked_in_dt`` is the time the phone
    #: claimed (and the code proved). Shown to organizers beside the status.
    synced_late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The id (a UUID the phone made) of the queued check-in that wrote this row; NULL for
    #: every other source. (Replays are answered from lms.api's SyncedCheckIn.)
    client_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __mapper_args__ = {"version_id_col": version}


class ExcuseRequest(Base):
    """A participant asks for Izin or Sakit for a meeting; an organizer decides."""

    __tablename__ = "lms_excuse_request"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('excused', 'sick')", name="kind_known"),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'withdrawn')", name="state_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    #: Content-addressed key in the upload store (lms.storage), NULL without a file.
    file_key: Mapped[str | None] = mapped_column(sa.String(100))
    #: The name the participant's file had; data only, never a path.
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
