"""Participants' work on assignments as plain rows: the submission, its newest submitted version,
that version's grade and reviews (trainers' progress and a participant's results read these)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lms.extensions import db
from lms.grading.models import Grade, Review
from lms.submissions.models import Submission, SubmissionVersion


@dataclass(frozen=True, slots=True)
class Marking:
    """What the reports need of a review of a latest version."""

    trainer_id: int
    kind: str
    state: str


@dataclass(frozen=True, slots=True)
class GradeRow:
    id: int
    status: str
    outcome: str | None
    total: float | None
    band: str | None
    passed: bool | None
    released_dt: datetime | None


GRADE_COLUMNS = (
    Grade.id.label("grade_id"),
    Grade.status.label("grade_status"),
    Grade.outcome.label("grade_outcome"),
    Grade.total.label("grade_total"),
    Grade.band.label("grade_band"),
    Grade.passed.label("grade_passed"),
    Grade.released_dt.label("grade_released_dt"),
)


def grade_row(row: Any) -> GradeRow | None:
    """The grade of a result row selecting :data:`GRADE_COLUMNS` (None: no grade)."""
    if row.grade_id is None:
        return None
    return GradeRow(
        row.grade_id,
        row.grade_status,
        row.grade_outcome,
        row.grade_total,
        row.grade_band,
        row.grade_passed,
        row.grade_released_dt,
    )


@dataclass(slots=True)
class Work:
    """One participant's work on one assignment."""

    submission_id: int
    state: str
    draft_dt: datetime | None
    latest_number: int
    version_id: int | None
    submitted_dt: datetime | None
    late: bool
    grade: GradeRow | None
    reviews: list[Marking] = field(default_factory=list)


def work_of(
    assignment_ids: Collection[int], user_id: int | None = None
) -> dict[tuple[int, int], Work]:
    """(assignment id, participant id) -> their work (two queries); only ``user_id``'s when
    given."""
    ids = list(assignment_ids)
    where = [Submission.assignment_id.in_(ids)]
    if user_id is not None:
        where.append(Submission.user_id == user_id)
    found: dict[tuple[int, int], Work] = {}
    by_version: dict[int, Work] = {}
    for row in db.session.execute(
        db.select(
            Submission.id,
            Submission.assignment_id,
            Submission.user_id,
            Submission.state,
            Submission.draft_dt,
            Submission.latest_number,
            SubmissionVersion.id.label("version_id"),
            SubmissionVersion.submitted_dt,
            SubmissionVersion.late,
            *GRADE_COLUMNS,
        )
        .outerjoin(
            SubmissionVersion,
            (SubmissionVersion.submission_id == Submission.id)
            & (SubmissionVersion.number == Submission.latest_number),
        )
        .outerjoin(Grade, Grade.version_id == SubmissionVersion.id)
        .where(*where)
    ):
        work = Work(
            submission_id=row.id,
            state=row.state,
            draft_dt=row.draft_dt,
            latest_number=row.latest_number,
            version_id=row.version_id,
            submitted_dt=row.submitted_dt,
            late=bool(row.late),
            grade=grade_row(row),
        )
        found[(row.assignment_id, row.user_id)] = work
        if row.version_id is not None:
            by_version[row.version_id] = work
    review_query = (
        db.select(Review.version_id, Review.trainer_id, Review.kind, Review.state)
        .join(Submission, Submission.id == Review.submission_id)
        .join(SubmissionVersion, SubmissionVersion.id == Review.version_id)
        .where(
            *where,
            SubmissionVersion.number == Submission.latest_number,
            Review.state != "superseded",
        )
        .order_by(Review.id)
    )
    for version_id, trainer_id, kind, state in db.session.execute(review_query):
        work = by_version.get(version_id)
        if work is not None:
            work.reviews.append(Marking(trainer_id, kind, state))
    return found
