"""Grading: who marks whom (allocation), each grader's rubric marking (review) and the
submission version's agreed result (grade)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalog.models import Rubric, RubricCriterion
    from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

#: Default largest difference (points of 100) between two markers' totals without a flag.
DEFAULT_TOLERANCE = 10.0


class GradingPlan(Base):
    """How one cohort assignment is graded: its rubric, the double-marking tolerance and the
    lead trainer. Blind marking lives on the assignment itself (submissions pages honour it)."""

    __tablename__ = "lms_grading_plan"
    __table_args__ = (sa.CheckConstraint("tolerance >= 0", name="tolerance_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort_assignment.id", ondelete="CASCADE"), unique=True
    )
    #: The cohort's own copy of a pack rubric; NULL: the pack's current rubric.
    rubric_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_rubric.id"))
    tolerance: Mapped[float] = mapped_column(default=DEFAULT_TOLERANCE)
    #: Reconciles flagged double markings and releases grades, besides organizers.
    lead_trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    assignment: Mapped[CohortAssignment] = relationship()
    rubric: Mapped[Rubric | None] = relationship()
    lead_trainer: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class Allocation(Base):
    """A trainer marks a participant's work on an assignment; at most two (slots 1 and 2)."""

    __tablename__ = "lms_allocation"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "participant_id", "trainer_id"),
        sa.UniqueConstraint("assignment_id", "participant_id", "slot"),
        sa.CheckConstraint("slot IN (1, 2)", name="slot_one_or_two"),
        sa.CheckConstraint("participant_id <> trainer_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort_assignment.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    slot: Mapped[int] = mapped_column(default=1)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))

    participant: Mapped[User] = relationship(foreign_keys=[participant_id])
    trainer: Mapped[User] = relationship(foreign_keys=[trainer_id])


REVIEW_STATES = ("in_progress", "done", "superseded")
REVIEW_KINDS = ("marking", "reconciliation")
OUTCOMES = ("grade", "revisions")


class Review(Base):
    """One grader's rubric marking of one submitted version."""

    __tablename__ = "lms_review"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "trainer_id", "kind"),
        sa.CheckConstraint("state IN ('in_progress', 'done', 'superseded')", name="state_known"),
        sa.CheckConstraint("kind IN ('marking', 'reconciliation')", name="kind_known"),
        sa.CheckConstraint("outcome IN ('grade', 'revisions')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_submission.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_submission_version.id", ondelete="CASCADE"), index=True
    )
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_rubric.id"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="marking")
    state: Mapped[str] = mapped_column(sa.String(12), default="in_progress")
    #: "grade": a final mark; "revisions": the participant is asked to change the work.
    outcome: Mapped[str] = mapped_column(sa.String(10), default="grade")
    #: Gate key -> met (pass/fail conditions checked before scoring).
    gates: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")
    #: Computed on the server from the scores whenever they are complete; NULL otherwise.
    total: Mapped[float | None]
    band: Mapped[str | None] = mapped_column(sa.String(80))
    passed: Mapped[bool | None]
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(default=1)

    submission: Mapped[Submission] = relationship()
    version: Mapped[SubmissionVersion] = relationship()
    trainer: Mapped[User] = relationship()
    rubric: Mapped[Rubric] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def score_for(self, criterion_id: int) -> ReviewScore | None:
        for score in self.scores:
            if score.criterion_id == criterion_id:
                return score
        return None


class ReviewScore(Base):
    """The level picked for one criterion, and the grader's comment on it."""

    __tablename__ = "lms_review_score"
    __table_args__ = (sa.UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_review.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_rubric_criterion.id"))
    #: The points of the chosen level; NULL while not chosen.
    points: Mapped[float | None]
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


GRADE_STATUSES = ("agreed", "flagged", "reconciled")


class Grade(Base):
    """The result of a submitted version once every allocated marker is done: agreed (one
    marker, or two within tolerance: the mean), flagged for reconciliation, or reconciled.
    Participants see it only after release."""

    __tablename__ = "lms_grade"
    __table_args__ = (
        sa.CheckConstraint("status IN ('agreed', 'flagged', 'reconciled')", name="status_known"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('grade', 'revisions')", name="outcome_known"
        ),
        sa.CheckConstraint(
            "released_dt IS NULL OR status <> 'flagged'", name="flagged_not_released"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_submission.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_submission_version.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(sa.String(12))
    #: NULL while flagged.
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    total: Mapped[float | None]
    band: Mapped[str | None] = mapped_column(sa.String(80))
    passed: Mapped[bool | None]
    #: Why it was flagged (shown to the reconciler).
    flag_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The reconciler's note.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The review whose scores the participant sees when reconciled.
    reconciliation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_review.id"))
    settled_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    submission: Mapped[Submission] = relationship()
    version: Mapped[SubmissionVersion] = relationship()
    reconciliation: Mapped[Review | None] = relationship(foreign_keys=[reconciliation_id])

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def released(self) -> bool:
        return self.released_dt is not None
