"""Reads of the certificate pages: plan, eligibility, certificates, settings lists, lookups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import joinedload

from lms.attendance.queries import cohort_report
from lms.catalog.models import AssignmentSpec, CohortCourse, Course, Lesson, LessonProgress
from lms.catalog.queries import cohort_course_list
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.grading.models import Grade
from lms.grading.queries.submission import rubric_for
from lms.i18n import gettext as _
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

from . import qualification
from .eligibility import Candidate, Eligibility, Evidence, judge
from .models import Certificate, CertificatePlan
from .numbering import is_well_formed

# --- the plan -------------------------------------------------------------------------------


def existing_plan(cohort: Cohort) -> CertificatePlan | None:
    """The cohort's plan if it has one (a GET never creates it)."""
    return db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=cohort.id))


def plan_or_default(cohort: Cohort) -> CertificatePlan:
    """The cohort's plan, or an unsaved one with the defaults (GET pages write nothing)."""
    return existing_plan(cohort) or CertificatePlan.default(cohort.id)


# --- eligibility ----------------------------------------------------------------------------


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
    """Every participant of the cohort with each rule's result (a fixed number of queries
    whatever the cohort's size)."""
    report = cohort_report(cohort, now=now)
    evidence = Evidence()
    if plan.kind == "completion":
        required = list(plan.required_assignments or [])
        assignments = {
            a.id: a
            for a in db.session.scalars(
                db.select(CohortAssignment).where(
                    CohortAssignment.cohort_id == cohort.id,
                    CohortAssignment.id.in_([int(r["assignment_id"]) for r in required] or [0]),
                )
            )
        }
        evidence.assignments = [
            (
                "submitted" if r.get("need") == "submitted" else "pass",
                int(r["assignment_id"]),
                assignments[int(r["assignment_id"])].spec.title,
            )
            for r in required
            if int(r["assignment_id"]) in assignments
        ]
        ids = list(assignments)
        evidence.grades = _released_grades(ids)
        evidence.scheme = qualification.bands(plan.qualification_scheme)
        evidence.submitted = _submitted(ids)
        course_ids = list(plan.required_courses or [])
        courses = {
            c.id: c
            for c in db.session.scalars(db.select(Course).where(Course.id.in_(course_ids or [0])))
        }
        evidence.courses = [(cid, courses[cid].title) for cid in course_ids if cid in courses]
        user_ids = [row.user.id for row in report.rows]
        evidence.lesson_totals, evidence.lessons_done = _lessons_done(list(courses), user_ids)
    return judge(plan, report.rows, evidence)


@dataclass
class EligibilityRow:
    candidate: Candidate
    #: The number of the participant's valid certificate ("" when none).
    number: str

    @property
    def certified(self) -> bool:
        return bool(self.number)

    @property
    def eligible(self) -> bool:
        return self.candidate.eligible


def eligibility_rows(cohort: Cohort, plan: CertificatePlan) -> list[EligibilityRow]:
    """Every participant with each rule's result and the number of their valid certificate."""
    result = evaluate(cohort, plan)
    numbers = dict(
        db.session.execute(
            db.select(Certificate.user_id, Certificate.number).filter_by(
                cohort_id=cohort.id, state="issued"
            )
        ).all()
    )
    return [EligibilityRow(c, numbers.get(c.user.id, "")) for c in result.candidates]


def course_list(cohort: Cohort) -> list[dict[str, object]]:
    """The class's courses in order with their JP, in the cohort's language, as a
    certificate's back page lists them (frozen into the snapshot at issue)."""
    return [
        {"title": course.localized("title", cohort.locale), "jp": int(course.jp or 0)}
        for course in cohort_course_list(cohort)
    ]


# --- the cohort's certificates --------------------------------------------------------------


def certificate_in(cohort: Cohort, certificate_id: int) -> Certificate | None:
    """A certificate of ``cohort`` with its person (None for an id of another cohort)."""
    return db.session.scalar(
        db.select(Certificate)
        .options(joinedload(Certificate.user))
        .filter_by(id=certificate_id, cohort_id=cohort.id)
    )


def certificates_of(cohort: Cohort) -> list[Certificate]:
    """Every certificate of the cohort, valid and revoked, in number order (one query)."""
    return list(
        db.session.scalars(
            db.select(Certificate)
            .options(joinedload(Certificate.user), joinedload(Certificate.replaced_by))
            .filter_by(cohort_id=cohort.id)
            .order_by(Certificate.seq)
        )
    )


def issued_in(cohort: Cohort) -> list[Certificate]:
    """The cohort's valid certificates in number order."""
    return list(
        db.session.scalars(
            db.select(Certificate)
            .filter_by(cohort_id=cohort.id, state="issued")
            .order_by(Certificate.seq)
        )
    )


def issued_count(cohort: Cohort) -> int:
    """How many valid certificates the cohort has (one count query)."""
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(Certificate)
        .where(Certificate.cohort_id == cohort.id, Certificate.state == "issued")
    )


#: Certificates read per query by :func:`iter_issued`.
PAGE = 200


def iter_issued(cohort: Cohort, page: int = PAGE) -> Iterator[Certificate]:
    """The cohort's valid certificates in number order, read ``page`` at a time (by number,
    not by offset) and let go of once the next page is read: a batch of 10,000 never holds
    them all."""
    after = 0
    while True:
        rows = list(
            db.session.scalars(
                db.select(Certificate)
                .where(
                    Certificate.cohort_id == cohort.id,
                    Certificate.state == "issued",
                    Certificate.seq > after,
                )
                .order_by(Certificate.seq)
                .limit(page)
            )
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        for row in rows:
            if row in db.session and not db.session.is_modified(row):
                db.session.expunge(row)
        if len(rows) < page:
            return


def last_change(cohort: Cohort) -> datetime | None:
    """When a certificate of the cohort was last issued or revoked (a batch file made before
    it is out of date)."""
    issued, revoked = db.session.execute(
        db.select(db.func.max(Certificate.issued_dt), db.func.max(Certificate.revoked_dt)).where(
            Certificate.cohort_id == cohort.id
        )
    ).one()
    found = [value for value in (issued, revoked) if value is not None]
    return max(found) if found else None


# --- the settings page ----------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentRow:
    """A cohort assignment as the settings page lists it."""

    id: int
    title: str
    course_title: str
    has_rubric: bool


def assignment_rows(cohort: Cohort, ensured: list[CohortAssignment]) -> list[AssignmentRow]:
    """The cohort's assignments in the order of ``ensured`` (course order), then any other."""
    order = {row.id: i for i, row in enumerate(ensured)}
    loaded = db.session.scalars(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec).joinedload(AssignmentSpec.course))
        .filter_by(cohort_id=cohort.id)
    ).all()
    loaded = sorted(loaded, key=lambda a: (order.get(a.id, len(order)), a.spec.title, a.id))
    return [
        AssignmentRow(
            id=a.id,
            title=a.spec.title,
            course_title=a.spec.course.title,
            has_rubric=rubric_for(a) is not None,
        )
        for a in loaded
    ]


def course_choices(cohort: Cohort, plan: CertificatePlan) -> list[tuple[int, str]]:
    """The cohort's courses in order, then any course still required but no longer followed
    (shown so that the page tells the truth; unticking it removes the rule)."""
    followed = db.session.scalars(
        db.select(CohortCourse)
        .options(joinedload(CohortCourse.course))
        .filter_by(cohort_id=cohort.id)
        .order_by(CohortCourse.position, CohortCourse.id)
    ).all()
    choices = [(row.course_id, row.course.title) for row in followed]
    known = {cid for cid, _label in choices}
    stale = [cid for cid in plan.required_courses or [] if cid not in known]
    if stale:
        for course in db.session.scalars(db.select(Course).where(Course.id.in_(stale))):
            label = _("%(title)s (tidak lagi diikuti kelas ini)", title=course.title)
            choices.append((course.id, label))
    return choices


# --- public verification --------------------------------------------------------------------


def by_code(code: str) -> Certificate | None:
    """The certificate with this verification code, with its cohort and replacement."""
    if not is_well_formed(code):
        return None
    return db.session.scalar(
        db.select(Certificate)
        .filter_by(code=code)
        .options(joinedload(Certificate.cohort), joinedload(Certificate.replaced_by))
    )


def cohort_with_kind(cohort_id: int, kind: str) -> Cohort | None:
    """The cohort, when it has issued (or revoked) at least one certificate of ``kind``."""
    exists = db.session.scalar(
        db.select(Certificate.id).filter_by(cohort_id=cohort_id, kind=kind).limit(1)
    )
    return db.session.get(Cohort, cohort_id) if exists else None
