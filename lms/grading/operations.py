"""Grading writes: plans, reviews, settling a version's grade, reconciliation and release.
Each function flushes; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from lms import audit
from lms.catalog.models import Rubric
from lms.db import utcnow
from lms.extensions import db
from lms.grading import scoring
from lms.grading.models import Allocation, Grade, GradingPlan, Review, ReviewScore
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

#: Longest comment kept (a page of text); longer input is refused with a message.
MAX_COMMENT = 5000


class GradingError(ValueError):
    """A refusal with a message for the person who asked."""


class ReviewConflict(Exception):
    """The marking changed since the form was loaded (another tab or person saved first)."""


class MarkingInvalid(ValueError):
    """Field name -> messages; nothing was saved."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class MarkingInput:
    """What a grader typed: levels and comments by criterion key, gates, overall comment."""

    points: dict[str, float | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    gates: dict[str, bool] = field(default_factory=dict)
    overall_comment: str = ""
    outcome: str = "grade"


# --- plans and rubrics --------------------------------------------------------------------------


def plan_for(assignment: CohortAssignment) -> GradingPlan:
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=assignment.id))
    if plan is None:
        plan = GradingPlan(assignment_id=assignment.id)
        db.session.add(plan)
        db.session.flush()
    return plan


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


def update_plan(
    plan: GradingPlan,
    *,
    blind: bool,
    tolerance: float,
    lead_trainer_id: int | None,
    actor: Any,
) -> None:
    assignment = plan.assignment
    before = {
        "blind": assignment.blind_marking,
        "tolerance": plan.tolerance,
        "lead_trainer_id": plan.lead_trainer_id,
    }
    assignment.blind_marking = blind
    plan.tolerance = tolerance
    plan.lead_trainer_id = lead_trainer_id
    db.session.flush()
    after = {"blind": blind, "tolerance": tolerance, "lead_trainer_id": lead_trainer_id}
    if before != after:
        audit.record(
            "grading.plan",
            plan,
            actor=actor,
            before=before,
            after=after,
            cohort_id=assignment.cohort_id,
        )


# --- reading ------------------------------------------------------------------------------------


def allocations_of(assignment_id: int, participant_id: int) -> list[Allocation]:
    return list(
        db.session.scalars(
            db.select(Allocation)
            .filter_by(assignment_id=assignment_id, participant_id=participant_id)
            .order_by(Allocation.slot)
        )
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


def markings_of(version: SubmissionVersion) -> list[Review]:
    return list(
        db.session.scalars(
            db.select(Review)
            .filter_by(version_id=version.id, kind="marking")
            .where(Review.state != "superseded")
            .order_by(Review.id)
        )
    )


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
        if score.points is not None and score.points in scoring.level_points(criterion.levels):
            data.points[criterion.key] = score.points
        data.comments[criterion.key] = score.comment
    data.gates = {g["key"]: bool(review.gates.get(g["key"])) for g in rubric.gates or []}
    data.overall_comment = review.overall_comment
    data.outcome = review.outcome
    return data


# --- marking ------------------------------------------------------------------------------------


def validate_input(rubric: Rubric, data: MarkingInput, *, done: bool) -> dict[str, list[str]]:
    """Problems by form field name (``level-<key>``, ``comment-<key>``, ``overall_comment``)."""
    errors: dict[str, list[str]] = {}
    for criterion in rubric.criteria:
        chosen = data.points.get(criterion.key)
        if chosen is not None and chosen not in scoring.level_points(criterion.levels):
            errors.setdefault(f"level-{criterion.key}", []).append(
                _("Pilih salah satu tingkat yang ada.")
            )
        elif chosen is None and done and data.outcome == "grade":
            errors.setdefault(f"level-{criterion.key}", []).append(
                _("Pilih tingkat untuk kriteria ini sebelum menandai selesai.")
            )
        if len(data.comments.get(criterion.key, "")) > MAX_COMMENT:
            errors.setdefault(f"comment-{criterion.key}", []).append(
                _("Komentar terlalu panjang (paling banyak %(n)d karakter).", n=MAX_COMMENT)
            )
    if len(data.overall_comment) > MAX_COMMENT:
        errors.setdefault("overall_comment", []).append(
            _("Komentar terlalu panjang (paling banyak %(n)d karakter).", n=MAX_COMMENT)
        )
    if data.outcome not in ("grade", "revisions"):
        errors.setdefault("outcome", []).append(_("Pilih hasil penilaian."))
    elif data.outcome == "revisions" and done and not data.overall_comment.strip():
        errors.setdefault("overall_comment", []).append(
            _("Tuliskan apa yang perlu diperbaiki peserta.")
        )
    return errors


def _snapshot(review: Review) -> dict[str, Any]:
    return {
        "state": review.state,
        "outcome": review.outcome,
        "total": review.total,
        "band": review.band,
        "passed": review.passed,
        "points": {s.criterion.key: s.points for s in review.scores},
        "comments": {s.criterion.key: s.comment for s in review.scores if s.comment},
        "gates": dict(review.gates or {}),
        "overall_comment": review.overall_comment,
    }


def is_final(grade: Grade | None) -> bool:
    """Released or reconciled: markers can no longer change it."""
    return grade is not None and (grade.released or grade.status == "reconciled")


def _write(review: Review, rubric: Rubric, data: MarkingInput, *, done: bool) -> None:
    by_criterion = {s.criterion_id: s for s in review.scores}
    for criterion in rubric.criteria:
        score = by_criterion.get(criterion.id)
        if score is None:
            score = ReviewScore(criterion=criterion)
            review.scores.append(score)
        score.points = data.points.get(criterion.key)
        score.comment = data.comments.get(criterion.key, "").strip()
    review.gates = {g["key"]: bool(data.gates.get(g["key"])) for g in rubric.gates or []}
    review.overall_comment = data.overall_comment.strip()
    review.outcome = data.outcome
    result = scoring.compute(rubric, data.points, review.gates)
    review.total, review.band, review.passed = result.total, result.band, result.passed
    now = utcnow()
    review.updated_dt = now
    if done and review.state != "done":
        review.state, review.done_dt = "done", now


def save_review(
    submission: Submission,
    version: SubmissionVersion,
    trainer: Any,
    data: MarkingInput,
    *,
    done: bool,
    lock_version: int,
    actor: Any = None,
) -> Review:
    """Create or update ``trainer``'s marking of ``version``. ``lock_version`` is what the form
    was loaded with (0: no marking yet); a different current value raises ReviewConflict."""
    actor = actor or trainer
    assignment = submission.assignment
    if version.number != submission.latest_number:
        raise GradingError(_("Peserta sudah mengumpulkan versi yang lebih baru; buka ulang."))
    if is_final(grade_of(version)):
        raise GradingError(_("Nilai versi ini sudah final; penilaian tidak dapat diubah."))
    review = review_of(version, trainer)
    if (review.lock_version if review else 0) != lock_version:
        raise ReviewConflict()
    rubric = review.rubric if review else rubric_for(assignment)
    if rubric is None:
        raise GradingError(_("Tugas ini belum memiliki rubrik."))
    errors = validate_input(
        rubric, data, done=done or (review is not None and review.state == "done")
    )
    if errors:
        raise MarkingInvalid(errors)
    before = None
    if review is None:
        review = Review(
            submission_id=submission.id,
            version_id=version.id,
            trainer_id=trainer.id,
            rubric_id=rubric.id,
            kind="marking",
        )
        db.session.add(review)
        rubric.frozen = True
        # A marking of an older version left in progress is not continued.
        for old in db.session.scalars(
            db.select(Review).where(
                Review.submission_id == submission.id,
                Review.trainer_id == trainer.id,
                Review.kind == "marking",
                Review.state == "in_progress",
                Review.version_id != version.id,
            )
        ):
            old.state = "superseded"
    else:
        before = _snapshot(review)
    _write(review, rubric, data, done=done)
    db.session.flush()
    audit.record(
        "review.done" if done else "review.save",
        review,
        actor=actor,
        before=before,
        after=_snapshot(review),
        cohort_id=assignment.cohort_id,
    )
    if review.state == "done":
        settle(submission, version)
    return review


# --- settling, reconciliation, release -----------------------------------------------------------


def flag_reasons(a: Review, b: Review, tolerance: float) -> list[str]:
    """Machine-readable reasons two markings disagree (see ``reason_text``)."""
    if a.outcome != b.outcome:
        return ["outcome"]
    reasons = []
    if a.outcome == "grade":
        if a.passed != b.passed:
            reasons.append("pass")
        if a.total is not None and b.total is not None:
            gap = scoring.round_total(abs(a.total - b.total))
            if gap > tolerance:
                reasons.append(f"gap:{gap}:{tolerance}")
    return reasons


def reason_text(code: str) -> str:
    """A stored flag reason in the reader's language."""
    parts = []
    for reason in filter(None, code.split(";")):
        if reason == "outcome":
            parts.append(_("satu penilai meminta revisi, yang lain memberi nilai"))
        elif reason == "pass":
            parts.append(_("penilai berbeda tentang lulus atau tidak lulus"))
        elif reason.startswith("gap:"):
            _tag, gap, tolerance = reason.split(":")
            parts.append(
                _(
                    "selisih nilai %(gap)s poin, lebih dari toleransi %(tolerance)s",
                    gap=_decimal(float(gap)),
                    tolerance=_decimal(float(tolerance)),
                )
            )
    return "; ".join(parts)


def _decimal(value: float) -> str:
    from flask_babel import format_decimal

    return format_decimal(value, format="#,##0.#")


def _grade_snapshot(grade: Grade) -> dict[str, Any]:
    return {
        "status": grade.status,
        "outcome": grade.outcome,
        "total": grade.total,
        "band": grade.band,
        "passed": grade.passed,
        "flag_reason": grade.flag_reason,
        "released": grade.released,
    }


def settle(submission: Submission, version: SubmissionVersion) -> Grade | None:
    """Once every allocated marker is done with ``version``: agree (one marker, or two within
    tolerance: the mean) or flag for reconciliation. A final grade is left alone."""
    grade = grade_of(version)
    if is_final(grade):
        return grade
    markers = [a.trainer_id for a in allocations_of(submission.assignment_id, submission.user_id)]
    done = {r.trainer_id: r for r in markings_of(version) if r.state == "done"}
    if not markers or any(m not in done for m in markers):
        return grade
    reviews = [done[m] for m in markers]
    plan = plan_for(submission.assignment)
    before = _grade_snapshot(grade) if grade else None
    if grade is None:
        grade = Grade(submission_id=submission.id, version_id=version.id, status="agreed")
        db.session.add(grade)
    reasons = flag_reasons(reviews[0], reviews[1], plan.tolerance) if len(reviews) == 2 else []
    if reasons:
        grade.status, grade.outcome = "flagged", None
        grade.total = grade.band = grade.passed = None
        grade.flag_reason = ";".join(reasons)
    else:
        first = reviews[0]
        grade.status, grade.outcome, grade.flag_reason = "agreed", first.outcome, ""
        totals = [r.total for r in reviews if r.total is not None]
        grade.total = scoring.mean_total(totals) if len(totals) == len(reviews) else None
        grade.band = scoring.band_for(first.rubric.bands or [], grade.total)
        grade.passed = first.passed
    grade.settled_dt = utcnow()
    db.session.flush()
    audit.record(
        "grade.settle",
        grade,
        before=before,
        after=_grade_snapshot(grade),
        cohort_id=submission.assignment.cohort_id,
    )
    return grade


def reconcile(
    grade: Grade,
    reconciler: Any,
    data: MarkingInput,
    note: str,
    *,
    lock_version: int,
    grade_lock_version: int,
) -> Grade:
    """Set the agreed marking of a flagged (or reconciled, unreleased) grade, with a note."""
    if grade.released:
        raise GradingError(_("Nilai ini sudah dirilis; tidak dapat direkonsiliasi lagi."))
    if grade.status not in ("flagged", "reconciled"):
        raise GradingError(_("Nilai ini tidak menunggu rekonsiliasi."))
    if grade.lock_version != grade_lock_version:
        raise ReviewConflict()
    version, submission = grade.version, grade.submission
    review = reconciliation_of(version)
    if (review.lock_version if review else 0) != lock_version:
        raise ReviewConflict()
    markings = markings_of(version)
    rubric = review.rubric if review else (markings[0].rubric if markings else None)
    if rubric is None:
        raise GradingError(_("Belum ada penilaian untuk direkonsiliasi."))
    errors = validate_input(rubric, data, done=True)
    if not note.strip():
        errors.setdefault("note", []).append(_("Tuliskan catatan rekonsiliasi."))
    elif len(note) > MAX_COMMENT:
        errors.setdefault("note", []).append(
            _("Komentar terlalu panjang (paling banyak %(n)d karakter).", n=MAX_COMMENT)
        )
    if errors:
        raise MarkingInvalid(errors)
    before_review = None
    if review is None:
        review = Review(
            submission_id=submission.id,
            version_id=version.id,
            trainer_id=reconciler.id,
            rubric_id=rubric.id,
            kind="reconciliation",
        )
        db.session.add(review)
    else:
        before_review = _snapshot(review)
        review.trainer_id = reconciler.id
    _write(review, rubric, data, done=True)
    db.session.flush()
    cohort_id = submission.assignment.cohort_id
    audit.record(
        "review.reconcile",
        review,
        actor=reconciler,
        before=before_review,
        after=_snapshot(review),
        cohort_id=cohort_id,
    )
    before = _grade_snapshot(grade)
    grade.status, grade.outcome = "reconciled", review.outcome
    grade.total, grade.band, grade.passed = review.total, review.band, review.passed
    grade.note = note.strip()
    grade.reconciliation_id = review.id
    db.session.flush()
    audit.record(
        "grade.reconcile",
        grade,
        actor=reconciler,
        before=before,
        after={**_grade_snapshot(grade), "note": grade.note},
        cohort_id=cohort_id,
    )
    return grade


def releasable(grade: Grade) -> bool:
    return (
        not grade.released
        and grade.status in ("agreed", "reconciled")
        and grade.version.number == grade.submission.latest_number
    )


def release(grades: Iterable[Grade], actor: Any) -> tuple[int, int]:
    """Show grades to their participants: (released, skipped: flagged, released or outdated)."""
    released = skipped = 0
    now = utcnow()
    for grade in grades:
        if not releasable(grade):
            skipped += 1
            continue
        grade.released_dt, grade.released_by_id = now, actor.id
        submission = grade.submission
        submission.state = "graded" if grade.outcome == "grade" else "revisions_requested"
        db.session.flush()
        audit.record(
            "grade.release",
            grade,
            actor=actor,
            after={**_grade_snapshot(grade), "submission_state": submission.state},
            cohort_id=submission.assignment.cohort_id,
        )
        released += 1
    return released, skipped


def release_all(assignment: CohortAssignment, actor: Any) -> tuple[int, int]:
    """Release every agreed or reconciled grade of the assignment's latest versions."""
    grades = db.session.scalars(
        db.select(Grade)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
        .where(
            Submission.assignment_id == assignment.id,
            Grade.released_dt.is_(None),
            Grade.status != "flagged",
            SubmissionVersion.number == Submission.latest_number,
        )
    ).all()
    return release(grades, actor)
