"""Reads of one submission's grading: its versions, the rubric a marking uses, each marker's
marking, the reconciliation, the grade, and the values a marking form starts from."""

from __future__ import annotations

from typing import Any

from lms.catalog.models import Rubric
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.grading import scoring
from lms.grading.models import Grade, GradingPlan, Review
from lms.grading.scoring import MarkingInput, Work
from lms.profile import from_legacy
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile, SubmissionVersion
from lms.submissions.video import max_seconds_of


def submission_in(cohort: Cohort, submission_id: int) -> tuple[Submission, CohortAssignment] | None:
    """A submission of the cohort with its assignment (None: no such submission here)."""
    row = db.session.execute(
        db.select(Submission, CohortAssignment)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .where(Submission.id == submission_id, CohortAssignment.cohort_id == cohort.id)
    ).first()
    return None if row is None else (row[0], row[1])


def submission_of(assignment_id: int, user_id: int) -> Submission | None:
    """A participant's submission on an assignment (None: they never started one)."""
    return db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment_id, user_id=user_id)
    )


def latest_version(submission: Submission) -> SubmissionVersion | None:
    if submission.latest_number == 0:
        return None
    return db.session.scalar(
        db.select(SubmissionVersion).filter_by(
            submission_id=submission.id, number=submission.latest_number
        )
    )


def previous_version(version: SubmissionVersion) -> SubmissionVersion | None:
    if version.number <= 1:
        return None
    return db.session.scalar(
        db.select(SubmissionVersion).filter_by(
            submission_id=version.submission_id, number=version.number - 1
        )
    )


def work_of(assignment: CohortAssignment, version: SubmissionVersion) -> Work:
    """What ``version`` holds that decides marks by itself (:func:`lms.grading.scoring.decide`):
    its fields (an old proposal's mapped to the current keys) and, for a video assignment, the
    limit and its uploaded video's measured length (one query)."""
    spec = assignment.spec
    fields = dict(version.fields or {})
    if spec.kind == "proposal":
        fields = from_legacy(fields)
    if spec.kind != "video":
        return Work(kind=spec.kind, fields=fields)
    keys = [f["key"] for f in version.files or [] if f.get("role") == "video" and f.get("key")]
    duration = None
    if keys:
        duration = db.session.scalar(
            db.select(SubmissionFile.duration)
            .where(
                SubmissionFile.submission_id == version.submission_id,
                SubmissionFile.key.in_(keys),
                SubmissionFile.role == "video",
            )
            .order_by(SubmissionFile.id.desc())
            .limit(1)
        )
    return Work(
        kind=spec.kind,
        fields=fields,
        duration=duration,
        max_seconds=max_seconds_of(spec.settings),
    )


# --- rubrics ------------------------------------------------------------------------------------


def pack_rubric(assignment: CohortAssignment) -> Rubric | None:
    """The current pack version of the rubric the assignment's spec names."""
    spec = assignment.spec
    if not spec.rubric_key:
        return None
    return db.session.scalar(
        db.select(Rubric).filter_by(
            course_id=spec.course_id, key=spec.rubric_key, current=True, cohort_id=None
        )
    )


def rubric_for(assignment: CohortAssignment, plan: GradingPlan | None = None) -> Rubric | None:
    """The rubric new reviews use: the cohort's copy when there is one, else the pack's."""
    if plan is None:
        plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=assignment.id))
    if plan is not None and plan.rubric_id is not None:
        return plan.rubric
    return pack_rubric(assignment)


def marking_rubric(
    assignment: CohortAssignment, review: Review | None, plan: GradingPlan | None = None
) -> Rubric | None:
    """The rubric a marker's marking uses: its own once it exists (the rubric may have changed
    since), else the one new reviews use."""
    return review.rubric if review is not None else rubric_for(assignment, plan)


def reconciliation_rubric(version: SubmissionVersion) -> Rubric | None:
    """The rubric a reconciliation of ``version`` uses: its own once it exists, else the
    markers' (None: nobody has marked it)."""
    existing = reconciliation_of(version)
    if existing is not None:
        return existing.rubric
    markings = markings_of(version)
    return markings[0].rubric if markings else None


# --- markings and the grade -----------------------------------------------------------------------


def review_of(version: SubmissionVersion, trainer: Any) -> Review | None:
    """A marker's own marking of a version."""
    return db.session.scalar(
        db.select(Review).filter_by(version_id=version.id, trainer_id=trainer.id, kind="marking")
    )


def reconciliation_of(version: SubmissionVersion) -> Review | None:
    """The one reconciliation marking of a version (whoever edited it last)."""
    return db.session.scalar(
        db.select(Review).filter_by(version_id=version.id, kind="reconciliation")
    )


def markings_of(version: SubmissionVersion, *, done: bool = False) -> list[Review]:
    """The markers' markings of a version (not superseded; only finished ones when ``done``),
    in the order they were started."""
    query = (
        db.select(Review)
        .filter_by(version_id=version.id, kind="marking")
        .where(Review.state != "superseded")
        .order_by(Review.id)
    )
    if done:
        query = query.where(Review.state == "done")
    return list(db.session.scalars(query))


def earlier_review(submission: Submission, trainer: Any, before: int) -> Review | None:
    """The trainer's newest marking of an earlier version: a new marking starts from it."""
    return db.session.scalar(
        db.select(Review)
        .join(SubmissionVersion, SubmissionVersion.id == Review.version_id)
        .where(
            Review.submission_id == submission.id,
            Review.trainer_id == trainer.id,
            Review.kind == "marking",
            SubmissionVersion.number < before,
        )
        .order_by(SubmissionVersion.number.desc(), Review.id.desc())
        .limit(1)
    )


def grade_of(version: SubmissionVersion) -> Grade | None:
    return db.session.scalar(db.select(Grade).filter_by(version_id=version.id))


def input_from(review: Review | None, rubric: Rubric) -> MarkingInput:
    """A form's starting values: the review's own, matched to ``rubric`` by criterion key (an
    earlier version's review may use an older rubric)."""
    data = MarkingInput()
    if review is None:
        return data
    by_key = {s.criterion.key: s for s in review.scores}
    for criterion in rubric.criteria:
        score = by_key.get(criterion.key)
        if score is None:
            continue
        if score.points is not None and score.points in scoring.allowed_points(criterion):
            data.points[criterion.key] = score.points
        data.comments[criterion.key] = score.comment
    data.gates = {g["key"]: bool(review.gates.get(g["key"])) for g in rubric.gates or []}
    data.overall_comment = review.overall_comment
    data.outcome = review.outcome
    return data
