"""Who may get a certificate, rule by rule, with the reason in words (a fixed number of queries
whatever the cohort's size).

Rules, as the organizer set them on the cohort's :class:`CertificatePlan`:

- attendance: attended ÷ meetings that count ≥ the minimum (the attendance module's counting:
  a meeting counts once over or closed; Izin/Sakit count when the cohort says so). With no
  meeting counted yet the rule is not met;
- each required assignment: a released grade that passes (``need = "pass"``), or a submitted
  version (``need = "submitted"``);
- each required course: every lesson (not archived) completed.

A certificate of attendance checks the attendance rule only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_percent
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.attendance.reports import cohort_report
from lms.catalog.models import Course, Lesson, LessonProgress, Rubric
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.grading import scoring
from lms.grading.models import Grade, Review
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

from .models import CertificatePlan


@dataclass
class RuleResult:
    #: "attendance", "assignment:<id>" or "course:<id>"
    key: str
    label: str
    met: bool
    #: Why, in words: "hadir 3 dari 5 pertemuan (60%), minimal 80%".
    detail: str


@dataclass
class Candidate:
    user: User
    rules: list[RuleResult]
    #: JP of the attended meetings that count.
    jp: int
    #: The band of the released results of the required assignments ("" when none).
    qualification: str
    held: int = 0
    attended: int = 0

    @property
    def eligible(self) -> bool:
        return all(rule.met for rule in self.rules)

    @property
    def failed(self) -> list[RuleResult]:
        return [rule for rule in self.rules if not rule.met]


@dataclass
class Eligibility:
    plan: CertificatePlan
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.eligible]

    def of(self, user_id: int) -> Candidate | None:
        return next((c for c in self.candidates if c.user.id == user_id), None)


def _percent(value: float) -> str:
    return format_percent(value, format="#,##0.#%")


def _attendance_rule(plan: CertificatePlan, held: int, attended: int) -> RuleResult:
    minimum = plan.min_attendance / 100
    if not held:
        return RuleResult(
            "attendance", _("Kehadiran"), False, _("belum ada pertemuan yang terhitung")
        )
    rate = attended / held
    detail = _(
        "hadir %(attended)d dari %(held)d pertemuan (%(rate)s), minimal %(minimum)s",
        attended=attended,
        held=held,
        rate=_percent(rate),
        minimum=_percent(minimum),
    )
    # Compared in whole hundredths of a percent: 4 of 5 is exactly 80%.
    return RuleResult(
        "attendance", _("Kehadiran"), round(rate * 10000) >= round(minimum * 10000), detail
    )


def _released_grades(assignment_ids: list[int]) -> dict[tuple[int, int], Grade]:
    """(assignment id, user id) -> the newest released grade."""
    if not assignment_ids:
        return {}
    found: dict[tuple[int, int], tuple[int, Grade]] = {}
    rows = db.session.execute(
        db.select(Grade, Submission.assignment_id, Submission.user_id, SubmissionVersion.number)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
        .where(Submission.assignment_id.in_(assignment_ids), Grade.released_dt.is_not(None))
    ).all()
    for grade, assignment_id, user_id, number in rows:
        key = (assignment_id, user_id)
        if key not in found or found[key][0] < number:
            found[key] = (number, grade)
    return {key: grade for key, (_number, grade) in found.items()}


def _submitted(assignment_ids: list[int]) -> set[tuple[int, int]]:
    if not assignment_ids:
        return set()
    return {
        (assignment_id, user_id)
        for assignment_id, user_id in db.session.execute(
            db.select(Submission.assignment_id, Submission.user_id).where(
                Submission.assignment_id.in_(assignment_ids), Submission.latest_number > 0
            )
        )
    }


def _lessons_done(
    course_ids: list[int], user_ids: list[int]
) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
    """Lessons per course, and (user id, course id) -> lessons done."""
    if not course_ids:
        return {}, {}
    totals = dict(
        db.session.execute(
            db.select(Lesson.course_id, db.func.count())
            .where(Lesson.course_id.in_(course_ids), Lesson.archived.is_(False))
            .group_by(Lesson.course_id)
        ).all()
    )
    done = {
        (user_id, course_id): n
        for user_id, course_id, n in db.session.execute(
            db.select(LessonProgress.user_id, Lesson.course_id, db.func.count())
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                Lesson.course_id.in_(course_ids),
                Lesson.archived.is_(False),
                LessonProgress.user_id.in_(user_ids),
            )
            .group_by(LessonProgress.user_id, Lesson.course_id)
        ).all()
    }
    return totals, done


def evaluate(cohort: Cohort, plan: CertificatePlan, *, now: datetime | None = None) -> Eligibility:
    """Every participant of the cohort with each rule's result."""
    report = cohort_report(cohort, now=now)
    completion = plan.kind == "completion"
    required = list(plan.required_assignments or []) if completion else []
    assignments = {
        a.id: a
        for a in db.session.scalars(
            db.select(CohortAssignment).where(
                CohortAssignment.cohort_id == cohort.id,
                CohortAssignment.id.in_([int(r["assignment_id"]) for r in required] or [0]),
            )
        )
    }
    required = [r for r in required if int(r["assignment_id"]) in assignments]
    ids = list(assignments)
    grades = _released_grades(ids)
    bands = _bands_by_version(grades.values())
    submitted = _submitted(ids)
    course_ids = list(plan.required_courses or []) if completion else []
    courses = {
        c.id: c
        for c in db.session.scalars(db.select(Course).where(Course.id.in_(course_ids or [0])))
    }
    user_ids = [row.user.id for row in report.rows]
    totals, done = _lessons_done(list(courses), user_ids)

    result = Eligibility(plan)
    for row in report.rows:
        person = row.user
        rules = [_attendance_rule(plan, row.tally.held, row.tally.attended)]
        passed_totals: list[tuple[float, Any]] = []
        for requirement in required:
            assignment = assignments[int(requirement["assignment_id"])]
            title = assignment.spec.title
            key = (assignment.id, person.id)
            if requirement.get("need") == "submitted":
                ok = key in submitted
                detail = _("sudah dikumpulkan") if ok else _("belum dikumpulkan")
            else:
                grade = grades.get(key)
                if grade is None:
                    ok = False
                    detail = _("belum ada nilai yang dirilis")
                elif grade.outcome != "grade":
                    ok = False
                    detail = _("diminta revisi")
                else:
                    ok = bool(grade.passed)
                    detail = _(
                        "nilai %(total)s, %(result)s",
                        total=scoring.format_score(grade.total),
                        result=_("lulus") if ok else _("tidak lulus"),
                    )
                    if grade.total is not None:
                        passed_totals.append((grade.total, grade))
            rules.append(RuleResult(f"assignment:{assignment.id}", title, ok, detail))
        for course_id in course_ids:
            course = courses.get(course_id)
            if course is None:
                continue
            total = totals.get(course_id, 0)
            finished = done.get((person.id, course_id), 0)
            rules.append(
                RuleResult(
                    f"course:{course_id}",
                    course.title,
                    finished >= total,
                    _("%(done)d dari %(total)d materi selesai", done=finished, total=total),
                )
            )
        result.candidates.append(
            Candidate(
                user=person,
                rules=rules,
                jp=row.tally.jp,
                qualification=_qualification(passed_totals, bands),
                held=row.tally.held,
                attended=row.tally.attended,
            )
        )
    return result


def _qualification(results: list[tuple[float, Grade]], bands: dict[int, list[Any]]) -> str:
    """One assignment: its band. Several: the band of their mean total on the first one's
    rubric bands (``bands``: version id -> bands). None: no qualification is printed."""
    if not results:
        return ""
    if len(results) == 1:
        return results[0][1].band or ""
    first = bands.get(results[0][1].version_id, [])
    return scoring.band_for(first, scoring.mean_total(t for t, _g in results)) or ""


def _bands_by_version(grades: Iterable[Grade]) -> dict[int, list[Any]]:
    """The rubric bands each graded version was marked with (one query)."""
    ids = [g.version_id for g in grades]
    if not ids:
        return {}
    return {
        version_id: list(bands or [])
        for version_id, bands in db.session.execute(
            db.select(Review.version_id, Rubric.bands)
            .join(Rubric, Rubric.id == Review.rubric_id)
            .where(Review.version_id.in_(ids))
        )
    }
