"""Grades flagged for reconciliation: the newest versions' flagged grades with both markers'
totals and the reason in the reader's language (two queries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import contains_eager

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.grading.models import Allocation, Grade, Review
from lms.grading.status import reason_text
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion


@dataclass
class Marker:
    trainer: str
    trainer_id: int
    total: float | None
    outcome: str
    passed: bool | None


@dataclass
class FlaggedRow:
    assignment: CohortAssignment
    participant: User
    submission_id: int
    version: int
    grade: Grade
    #: The markers of the version, by allocation slot.
    markers: list[Marker]
    #: The flag reason in the reader's language.
    reason: str


def flagged(cohort: Cohort, assignment_ids: Iterable[int] | None = None) -> list[FlaggedRow]:
    """Flagged grades of the newest versions, by assignment then participant name, with both
    markers' totals; only of ``assignment_ids`` when given (two queries)."""
    query = (
        db.select(Grade, Submission, SubmissionVersion.number, CohortAssignment, User)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .join(User, User.id == Submission.user_id)
        .options(contains_eager(CohortAssignment.spec))
        .where(
            CohortAssignment.cohort_id == cohort.id,
            Grade.status == "flagged",
            SubmissionVersion.number == Submission.latest_number,
        )
        .order_by(AssignmentSpec.title, CohortAssignment.id, User.full_name, User.id)
    )
    if assignment_ids is not None:
        query = query.where(CohortAssignment.id.in_(list(assignment_ids)))
    found = db.session.execute(query).all()
    version_ids = [grade.version_id for grade, *_rest in found]
    markers: dict[int, list[tuple[int, int, Marker]]] = {}
    for review, slot, name in db.session.execute(
        db.select(Review, Allocation.slot, User.full_name)
        .join(Submission, Submission.id == Review.submission_id)
        .join(User, User.id == Review.trainer_id)
        .outerjoin(
            Allocation,
            (Allocation.assignment_id == Submission.assignment_id)
            & (Allocation.participant_id == Submission.user_id)
            & (Allocation.trainer_id == Review.trainer_id),
        )
        .where(
            Review.version_id.in_(version_ids),
            Review.kind == "marking",
            Review.state == "done",
        )
    ):
        marker = Marker(name, review.trainer_id, review.total, review.outcome, review.passed)
        markers.setdefault(review.version_id, []).append((slot or 3, review.id, marker))
    return [
        FlaggedRow(
            assignment=assignment,
            participant=person,
            submission_id=submission.id,
            version=number,
            grade=grade,
            markers=[m for _slot, _id, m in sorted(markers.get(grade.version_id, []))],
            reason=reason_text(grade.flag_reason),
        )
        for grade, submission, number, assignment, person in found
    ]
