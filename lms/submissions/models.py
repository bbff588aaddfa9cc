"""A cohort's assignments, participants' submissions and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalog.models import AssignmentSpec
    from lms.cohorts.models import Cohort

#: Submission states a participant sees (plus "not started" when there is no row).
STATES = ("draft", "submitted", "revisions_requested", "graded", "withdrawn")


class CohortAssignment(Base):
    """An assignment spec from a pack, as one cohort runs it: its dates and rules."""

    __tablename__ = "lms_cohort_assignment"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "spec_id"),
        sa.CheckConstraint(
            "due_dt IS NULL OR open_dt IS NULL OR due_dt > open_dt", name="due_after_open"
        ),
        sa.CheckConstraint(
            "cutoff_dt IS NULL OR due_dt IS NULL OR cutoff_dt >= due_dt", name="cutoff_after_due"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True
    )
    spec_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_assignment_spec.id"))
    #: Submissions are accepted from here (NULL: at once).
    open_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this a submission is late (NULL: no due date).
    due_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this nothing is accepted (NULL: the due date when late work is not allowed).
    cutoff_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_allowed: Mapped[bool] = mapped_column(default=False)
    #: Whether a participant may submit a new version before the due date on their own.
    resubmit_before_due: Mapped[bool] = mapped_column(default=True)
    #: Trainers see a code instead of the participant's name and office (grading, lists, files).
    blind_marking: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=1)

    cohort: Mapped[Cohort] = relationship()
    spec: Mapped[AssignmentSpec] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Extension(Base):
    """A later due date (and cut-off) for one participant, with the organizer's reason."""

    __tablename__ = "lms_extension"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort_assignment.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    due_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    cutoff_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    granted_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Submission(Base):
    """One participant's work on one cohort assignment: a draft and its submitted versions."""

    __tablename__ = "lms_submission"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "user_id"),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'revisions_requested', 'graded', 'withdrawn')",
            name="state_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort_assignment.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    #: The working copy: field key -> value, saved without any validation.
    draft: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    draft_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Number of the newest submitted version (0: never submitted).
    latest_number: Mapped[int] = mapped_column(default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Optimistic lock: two tabs saving the same draft never overwrite silently.
    lock_version: Mapped[int] = mapped_column(default=1)

    assignment: Mapped[CohortAssignment] = relationship()
    user: Mapped[User] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="submission", order_by="SubmissionFile.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class SubmissionVersion(Base):
    """What was submitted, exactly; never changed after it is written."""

    __tablename__ = "lms_submission_version"
    __table_args__ = (sa.UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_submission.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: [{"key", "name", "size", "kind", "role"}] of the files at the time of submission.
    files: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: The PP 38 criteria the participant confirmed: {key: true}.
    self_check: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    statement_accepted: Mapped[bool] = mapped_column(default=False)
    submitted_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 of the canonical JSON of fields and file hashes: the receipt's proof.
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    submission: Mapped[Submission] = relationship(back_populates="versions")


class SubmissionFile(Base):
    """A file attached to a submission's working copy; submitted versions list them by key."""

    __tablename__ = "lms_submission_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_submission.id", ondelete="CASCADE"), index=True
    )
    #: Content-addressed key in lms.storage.
    key: Mapped[str] = mapped_column(sa.String(100))
    #: The participant's file name: data only.
    name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    #: "attachment", "video" or "thumbnail".
    role: Mapped[str] = mapped_column(sa.String(12), default="attachment")
    #: Removed from the working copy; versions that listed it still can show it.
    removed: Mapped[bool] = mapped_column(default=False)
    #: Seconds, for videos (read with mutagen).
    duration: Mapped[float | None]
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="files")


@event.listens_for(SubmissionVersion, "before_update")
def _versions_are_immutable(_mapper, _connection, target: SubmissionVersion) -> None:
    raise ValueError(f"submission version {target.id} is immutable")
