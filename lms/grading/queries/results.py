"""A participant's own results: their work on each graded assignment and, of a grade, only a
released one; and the released feedback of one assignment.

Release gating: nothing here puts anything of an unreleased grade into what it returns (no
total, band, pass, outcome or comment), so no template can show it by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.grading.models import Grade, Review
from lms.grading.queries.cohort import graded_assignments
from lms.grading.queries.submission import markings_of
from lms.grading.queries.work import work_of
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

#: What a participant is told about their work before a grade is released.
MY_STATES = ("not_submitted", "draft", "submitted", "being_graded", "released")


@dataclass(frozen=True)
class Released:
    """A released grade: all a participant may see of it here."""

    version: int
    outcome: str | None
    total: float | None
    band: str | None
    passed: bool | None
    released_dt: datetime


@dataclass
class MyResult:
    assignment: CohortAssignment
    #: One of MY_STATES.
    state: str
    #: The newest submitted version's grade, once released (else None).
    result: Released | None
    #: While the newest version waits: the released result of an earlier version.
    earlier: Released | None
    #: Number of the newest submitted version (None: nothing submitted).
    version: int | None


def my_results(cohort: Cohort, user: Any) -> list[MyResult]:
    """``user``'s work on each graded assignment of the cohort; of a grade, only a released
    one (four queries)."""
    columns = graded_assignments(cohort)
    ids = [c.id for c in columns]
    work = work_of(ids, user_id=user.id)
    newest_released: dict[int, Released] = {}
    for assignment_id, number, outcome, total, band, passed, released_dt in db.session.execute(
        db.select(
            Submission.assignment_id,
            SubmissionVersion.number,
            Grade.outcome,
            Grade.total,
            Grade.band,
            Grade.passed,
            Grade.released_dt,
        )
        .join(Submission, Submission.id == Grade.submission_id)
        .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
        .where(
            Submission.user_id == user.id,
            Submission.assignment_id.in_(ids),
            Grade.released_dt.is_not(None),
        )
        .order_by(SubmissionVersion.number)
    ):
        newest_released[assignment_id] = Released(number, outcome, total, band, passed, released_dt)
    results = []
    for column in columns:
        mine = work.get((column.id, user.id))
        released = newest_released.get(column.id)
        result = earlier = None
        if mine is None:
            state, version = "not_submitted", None
        elif mine.version_id is None:
            state, version = ("draft" if mine.draft_dt else "not_submitted"), None
        else:
            version = mine.latest_number
            if released is not None and released.version == version:
                state, result = "released", released
            else:
                earlier = released
                active = any(r.kind == "marking" for r in mine.reviews) or mine.grade is not None
                state = "being_graded" if active else "submitted"
        results.append(MyResult(column.assignment, state, result, earlier, version))
    return results


@dataclass
class Feedback:
    version: SubmissionVersion
    grade: Grade
    #: What the participant reads: the reconciliation, or each marker's marking.
    reviews: list[Review]


def released_feedback(submission: Submission | None) -> list[Feedback]:
    """The released grades of the participant's ``submission``, newest version first, each
    with the markings the participant may read."""
    if submission is None:
        return []
    grades = db.session.scalars(
        db.select(Grade)
        .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
        .where(Grade.submission_id == submission.id, Grade.released_dt.is_not(None))
        .order_by(SubmissionVersion.number.desc())
    ).all()
    results = []
    for grade in grades:
        if grade.status == "reconciled" and grade.reconciliation is not None:
            reviews = [grade.reconciliation]
        else:
            reviews = [r for r in markings_of(grade.version) if r.state == "done"]
        results.append(Feedback(grade.version, grade, reviews))
    return results
