"""Grading read side: the cohort's grade book, each trainer's progress, the grades flagged for
reconciliation and a participant's own (released) results.

Each function runs a fixed number of queries, whatever the size of the cohort. They read the
cohort's existing assignment rows only (they never create any); an assignment is graded when its
spec names a rubric or its grading plan has the cohort's own copy of one.

Release gating: :func:`my_results` never puts anything of an unreleased grade into what it
returns (no total, band, pass, outcome or comment), so no template can show it by mistake.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, load_only

from lms.accounts.civil_service import format_nip
from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading.models import Allocation, Grade, GradingPlan, Review
from lms.grading.operations import reason_text
from lms.grading.paging import Page
from lms.grading.status import STATUSES, workflow_status
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

#: Workflow statuses whose grade an organizer or lead trainer can release.
RELEASABLE = ("marked", "reconciled")


# --- shared loading -------------------------------------------------------------------------


@dataclass
class Column:
    """A graded assignment of the cohort, with its plan (None until grading touched it)."""

    assignment: CohortAssignment
    plan: GradingPlan | None
    #: Workflow status -> number of participants (every participant, whatever the filter).
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    #: The assignment's id, read once (the grade book looks it up for every cell).
    id: int = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.assignment.id

    @property
    def title(self) -> str:
        return self.assignment.spec.title

    @property
    def blind(self) -> bool:
        return self.assignment.blind_marking

    @property
    def releasable(self) -> int:
        return sum(self.counts[status] for status in RELEASABLE)


def graded_assignments(cohort: Cohort) -> list[Column]:
    """The cohort's assignments that have a rubric, in course order then title (one query).
    Archived specs stay while grading has started on them (they have a plan)."""
    rows = db.session.execute(_graded_statement(), {"cohort_id": cohort.id}).all()
    return [Column(assignment, plan) for assignment, plan in rows]


@cache
def _graded_statement() -> Any:
    """Built once per process (see :func:`_book_statement`)."""
    return (
        db.select(CohortAssignment, GradingPlan)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .outerjoin(GradingPlan, GradingPlan.assignment_id == CohortAssignment.id)
        .outerjoin(
            CohortCourse,
            (CohortCourse.cohort_id == CohortAssignment.cohort_id)
            & (CohortCourse.course_id == AssignmentSpec.course_id),
        )
        .options(contains_eager(CohortAssignment.spec))
        .where(
            CohortAssignment.cohort_id == sa.bindparam("cohort_id"),
            sa.or_(
                sa.and_(AssignmentSpec.rubric_key.is_not(None), AssignmentSpec.rubric_key != ""),
                GradingPlan.rubric_id.is_not(None),
            ),
            sa.or_(AssignmentSpec.archived.is_(False), GradingPlan.id.is_not(None)),
        )
        .order_by(
            CohortCourse.position.is_(None),
            CohortCourse.position,
            AssignmentSpec.title,
            CohortAssignment.id,
        )
    )


def _people(cohort: Cohort, role: str) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .options(load_only(User.id, User.full_name, User.nip, User.office))
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort.id, Membership.role == role)
            .order_by(User.full_name, User.id)
        )
    )


@dataclass(frozen=True, slots=True)
class _Marking:
    """What the reports need of a review of a latest version."""

    trainer_id: int
    kind: str
    state: str


@dataclass(slots=True)
class _Work:
    """One participant's work on one assignment: the submission, its newest submitted version,
    that version's grade and reviews (rows of plain values)."""

    submission_id: int
    state: str
    draft_dt: datetime | None
    latest_number: int
    version_id: int | None
    submitted_dt: datetime | None
    late: bool
    grade: Any  # a row with the Grade columns below, or None
    reviews: list[_Marking] = field(default_factory=list)

    @property
    def latest(self) -> Any:
        return self if self.version_id is not None else None


_GRADE_COLUMNS = (
    Grade.id.label("grade_id"),
    Grade.status.label("grade_status"),
    Grade.outcome.label("grade_outcome"),
    Grade.total.label("grade_total"),
    Grade.band.label("grade_band"),
    Grade.passed.label("grade_passed"),
    Grade.released_dt.label("grade_released_dt"),
)


@dataclass(frozen=True, slots=True)
class _GradeRow:
    id: int
    status: str
    outcome: str | None
    total: float | None
    band: str | None
    passed: bool | None
    released_dt: datetime | None


def _work(
    assignment_ids: Collection[int], user_id: int | None = None
) -> dict[tuple[int, int], _Work]:
    """(assignment id, participant id) -> their work (two queries)."""
    ids = list(assignment_ids)
    where = [Submission.assignment_id.in_(ids)]
    if user_id is not None:
        where.append(Submission.user_id == user_id)
    found: dict[tuple[int, int], _Work] = {}
    by_version: dict[int, _Work] = {}
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
            *_GRADE_COLUMNS,
        )
        .outerjoin(
            SubmissionVersion,
            (SubmissionVersion.submission_id == Submission.id)
            & (SubmissionVersion.number == Submission.latest_number),
        )
        .outerjoin(Grade, Grade.version_id == SubmissionVersion.id)
        .where(*where)
    ):
        grade = None
        if row.grade_id is not None:
            grade = _GradeRow(
                row.grade_id,
                row.grade_status,
                row.grade_outcome,
                row.grade_total,
                row.grade_band,
                row.grade_passed,
                row.grade_released_dt,
            )
        work = _Work(
            submission_id=row.id,
            state=row.state,
            draft_dt=row.draft_dt,
            latest_number=row.latest_number,
            version_id=row.version_id,
            submitted_dt=row.submitted_dt,
            late=bool(row.late),
            grade=grade,
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
            work.reviews.append(_Marking(trainer_id, kind, state))
    return found


def _status(work: _Work | None) -> str:
    if work is None:
        return "not_submitted"
    markings = [r for r in work.reviews if r.kind == "marking"]
    return workflow_status(work, work.latest, markings, work.grade)


# --- the grade book -------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    """One participant's work on one assignment, as staff see it."""

    status: str
    submission_id: int | None = None
    #: Number of the newest submitted version (None: nothing submitted).
    version: int | None = None
    submitted_dt: datetime | None = None
    late: bool = False
    grade_id: int | None = None
    outcome: str | None = None
    total: float | None = None
    band: str | None = None
    passed: bool | None = None
    released_dt: datetime | None = None

    @property
    def releasable(self) -> bool:
        return self.status in RELEASABLE and self.grade_id is not None

    @property
    def has_result(self) -> bool:
        """Marked (agreed), reconciled or released: total, band and pass are meaningful."""
        return self.status in ("marked", "reconciled", "released")


@dataclass
class BookRow:
    #: The participant (a Person on a page of the grade book).
    user: User | Person
    #: Assignment id -> cell.
    cells: dict[int, Cell]


@dataclass
class GradeBook:
    cohort: Cohort
    columns: list[Column]
    #: Every participant, ordered by name.
    rows: list[BookRow]

    def column(self, assignment_id: int | None) -> Column | None:
        for column in self.columns:
            if column.id == assignment_id:
                return column
        return None

    def only(self, assignment_id: int | None = None, status: str | None = None) -> list[BookRow]:
        """Rows whose cell has ``status``, in the given assignment or in any (no status: all)."""
        if status not in STATUSES:
            return self.rows
        ids = [assignment_id] if self.column(assignment_id) else [c.id for c in self.columns]
        return [row for row in self.rows if any(row.cells[i].status == status for i in ids)]

    def totals(self) -> dict[str, int]:
        """Workflow status -> number of cells over every assignment."""
        counts = dict.fromkeys(STATUSES, 0)
        for column in self.columns:
            for status, n in column.counts.items():
                counts[status] += n
        return counts


def _cell(work: _Work | None) -> Cell:
    status = _status(work)
    if work is None:
        return Cell(status)
    cell = Cell(
        status,
        submission_id=work.submission_id,
        version=work.latest_number or None,
        submitted_dt=work.submitted_dt,
        late=work.late,
    )
    grade = work.grade
    if grade is not None:
        cell.grade_id, cell.outcome, cell.released_dt = grade.id, grade.outcome, grade.released_dt
        cell.total, cell.band, cell.passed = grade.total, grade.band, grade.passed
    return cell


def gradebook(cohort: Cohort) -> GradeBook:
    """Participants (by name) × graded assignments, with per-assignment counts (four
    queries): all of it, for the exports; the page shows :func:`gradebook_page`."""
    columns = graded_assignments(cohort)
    people = _people(cohort, "participant")
    work = _work([c.id for c in columns])
    rows = []
    for person in people:
        cells = {}
        for column in columns:
            cell = _cell(work.get((column.id, person.id)))
            column.counts[cell.status] += 1
            cells[column.id] = cell
        rows.append(BookRow(person, cells))
    return GradeBook(cohort, columns, rows)


# --- the grade book, one page at a time -----------------------------------------------------


def _status_case(version_id: Any) -> Any:
    """SQL for :func:`lms.grading.status.workflow_status` of a participant's work, given the
    outer-joined newest version (``version_id``) and its Grade."""
    marking = (
        sa.select(Review.id)
        .where(
            Review.version_id == version_id,
            Review.kind == "marking",
            Review.state != "superseded",
        )
        .exists()
    )
    return sa.case(
        (version_id.is_(None), "not_submitted"),
        (Grade.released_dt.is_not(None), "released"),
        (Grade.status == "agreed", "marked"),
        (Grade.status == "flagged", "flagged"),
        (Grade.status == "reconciled", "reconciled"),
        (marking, "in_progress"),
        else_="not_marked",
    )


# The grade book page's statements are built once per process with bound parameters
# (:cohort_id, :ids, :status, :user_ids, :limit, :offset) and only executed per request:
# building statements with this many joins, and computing their cache keys, costs more than
# running them.


def _cells() -> Any:
    """A subquery of one row per participant of :cohort_id and assignment in :ids:
    (user_id, assignment_id, status)."""
    return (
        sa.select(
            Membership.user_id.label("user_id"),
            CohortAssignment.id.label("assignment_id"),
            _status_case(SubmissionVersion.id).label("status"),
        )
        .select_from(Membership)
        .join(CohortAssignment, CohortAssignment.id.in_(sa.bindparam("ids", expanding=True)))
        .outerjoin(
            Submission,
            (Submission.assignment_id == CohortAssignment.id)
            & (Submission.user_id == Membership.user_id),
        )
        .outerjoin(
            SubmissionVersion,
            (SubmissionVersion.submission_id == Submission.id)
            & (SubmissionVersion.number == Submission.latest_number),
        )
        .outerjoin(Grade, Grade.version_id == SubmissionVersion.id)
        .where(
            Membership.cohort_id == sa.bindparam("cohort_id"),
            Membership.role == "participant",
        )
        .subquery("cells")
    )


@cache
def _book_statement(kind: str) -> Any:
    if kind == "counts":  # cells per assignment and status
        cells = _cells()
        return sa.select(cells.c.assignment_id, cells.c.status, sa.func.count()).group_by(
            cells.c.assignment_id, cells.c.status
        )
    if kind == "matching":  # participants with a cell in :status
        cells = _cells()
        return sa.select(sa.func.count(sa.distinct(cells.c.user_id))).where(
            cells.c.status == sa.bindparam("status")
        )
    if kind == "cells":  # the cells of the participants in :user_ids
        return (
            sa.select(
                Submission.id,
                Submission.assignment_id,
                Submission.user_id,
                Submission.latest_number,
                SubmissionVersion.submitted_dt,
                SubmissionVersion.late,
                _status_case(SubmissionVersion.id).label("status"),
                *_GRADE_COLUMNS,
            )
            .outerjoin(
                SubmissionVersion,
                (SubmissionVersion.submission_id == Submission.id)
                & (SubmissionVersion.number == Submission.latest_number),
            )
            .outerjoin(Grade, Grade.version_id == SubmissionVersion.id)
            .where(
                Submission.assignment_id.in_(sa.bindparam("ids", expanding=True)),
                Submission.user_id.in_(sa.bindparam("user_ids", expanding=True)),
            )
        )
    # "people" / "people_in_status": a page of participants by name (with a cell in :status)
    people = (
        sa.select(User.id, User.full_name, User.nip, User.office)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.cohort_id == sa.bindparam("cohort_id"),
            Membership.role == "participant",
        )
    )
    if kind == "people_in_status":
        cells = _cells()
        people = people.where(
            User.id.in_(sa.select(cells.c.user_id).where(cells.c.status == sa.bindparam("status")))
        )
    return (
        people.order_by(User.full_name, User.id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


def status_counts(cohort: Cohort) -> tuple[list[Column], int]:
    """The graded assignments with their counts per workflow status, and the number of
    participants, counted in SQL (two queries, whatever the size of the cohort)."""
    columns = graded_assignments(cohort)
    participants = 0
    if columns:
        by_id = {c.id: c for c in columns}
        params = {"cohort_id": cohort.id, "ids": list(by_id)}
        for assignment_id, status, n in db.session.execute(_book_statement("counts"), params):
            by_id[assignment_id].counts[status] += n
        # Every participant has exactly one cell per assignment.
        participants = sum(columns[0].counts.values())
    return columns, participants


@dataclass(frozen=True, slots=True)
class Person:
    """What a page of the grade book shows of a participant (plain values, no ORM object)."""

    id: int
    full_name: str
    nip: str | None
    office: str

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip)


@dataclass
class GradeBookPage:
    """One page of the grade book: the counts are over every participant, the rows are the
    page's (after the filters)."""

    cohort: Cohort
    columns: list[Column]
    #: Participants of the cohort (all of them, whatever the filters).
    participants: int
    rows: list[BookRow]
    page: Page

    def column(self, assignment_id: int | None) -> Column | None:
        return next((c for c in self.columns if c.id == assignment_id), None)

    def totals(self) -> dict[str, int]:
        """Workflow status -> number of cells over every assignment."""
        counts = dict.fromkeys(STATUSES, 0)
        for column in self.columns:
            for status, n in column.counts.items():
                counts[status] += n
        return counts


def gradebook_page(
    cohort: Cohort,
    assignment_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> GradeBookPage:
    """Page ``page`` of the participants (by name, then id) whose cell in ``assignment_id``
    (None: in any graded assignment) has ``status`` (None: everyone), with every count over
    the whole cohort. Four queries (five with a status over several assignments), whatever
    the size of the cohort; a page past the end is the last one."""
    columns, participants = status_counts(cohort)
    selected = next((c for c in columns if c.id == assignment_id), None)
    status = status if status in STATUSES else None
    if not columns:
        return GradeBookPage(cohort, columns, participants, [], Page.of(1, 0, per_page))
    params: dict[str, Any] = {"cohort_id": cohort.id, "status": status}
    kind = "people"
    if status is None:
        total = participants
    else:
        scope = [selected] if selected else columns
        params["ids"] = [c.id for c in scope]
        kind = "people_in_status"
        if len(scope) == 1:
            total = scope[0].counts[status]
        else:
            total = db.session.scalar(_book_statement("matching"), params)
    shown = Page.of(page, total, per_page)
    params.update(limit=shown.per_page, offset=shown.offset)
    users = [
        Person(user_id, name, nip, office or "")
        for user_id, name, nip, office in db.session.execute(_book_statement(kind), params)
    ]
    cells_of = _page_cells([c.id for c in columns], [u.id for u in users])
    rows = [
        BookRow(
            person,
            {c.id: cells_of.get((c.id, person.id)) or Cell("not_submitted") for c in columns},
        )
        for person in users
    ]
    return GradeBookPage(cohort, columns, participants, rows, shown)


def _page_cells(
    assignment_ids: Collection[int], user_ids: Collection[int]
) -> dict[tuple[int, int], Cell]:
    """(assignment id, participant id) -> the cell of the given participants' work (one query;
    none without participants)."""
    if not user_ids:
        return {}
    found = {}
    for row in db.session.execute(
        _book_statement("cells"), {"ids": list(assignment_ids), "user_ids": list(user_ids)}
    ):
        cell = Cell(
            row.status,
            submission_id=row.id,
            version=row.latest_number or None,
            submitted_dt=row.submitted_dt,
            late=bool(row.late),
        )
        if row.grade_id is not None:
            cell.grade_id, cell.outcome = row.grade_id, row.grade_outcome
            cell.total, cell.band, cell.passed = row.grade_total, row.grade_band, row.grade_passed
            cell.released_dt = row.grade_released_dt
        found[(row.assignment_id, row.user_id)] = cell
    return found


# --- trainers' progress ---------------------------------------------------------------------

PROGRESS_KEYS = ("allocated", "waiting", "to_grade", "in_progress", "done")


@dataclass
class Progress:
    """A trainer's allocations: waiting (nothing submitted yet), to grade (submitted, not
    started), in progress and done, on each participant's newest version."""

    allocated: int = 0
    waiting: int = 0
    to_grade: int = 0
    in_progress: int = 0
    done: int = 0

    def add(self, other: Progress) -> None:
        for key in PROGRESS_KEYS:
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def count(self, key: str) -> None:
        self.allocated += 1
        setattr(self, key, getattr(self, key) + 1)


@dataclass
class TrainerRow:
    user: User
    #: Assignment id -> progress on it.
    by_assignment: dict[int, Progress]
    total: Progress


@dataclass
class TrainerProgress:
    cohort: Cohort
    columns: list[Column]
    #: The cohort's trainers, by name (including those without allocations).
    rows: list[TrainerRow]
    #: Assignment id -> the sum over trainers.
    by_assignment: dict[int, Progress]
    total: Progress


def _progress_key(work: _Work | None, trainer_id: int) -> str:
    if work is None or work.version_id is None:
        return "waiting"
    for review in work.reviews:
        if review.kind == "marking" and review.trainer_id == trainer_id:
            return "done" if review.state == "done" else "in_progress"
    return "to_grade"


def trainer_progress(cohort: Cohort) -> TrainerProgress:
    """Per trainer of the cohort and per graded assignment: allocated, waiting, to grade, in
    progress, done (five queries)."""
    columns = graded_assignments(cohort)
    ids = [c.id for c in columns]
    trainers = _people(cohort, "trainer")
    allocations = db.session.execute(
        db.select(Allocation.assignment_id, Allocation.participant_id, Allocation.trainer_id)
        .join(
            Membership,
            (Membership.user_id == Allocation.participant_id)
            & (Membership.cohort_id == cohort.id)
            & (Membership.role == "participant"),
        )
        .where(Allocation.assignment_id.in_(ids))
    ).all()
    work = _work(ids)
    rows = {t.id: TrainerRow(t, {i: Progress() for i in ids}, Progress()) for t in trainers}
    for assignment_id, participant_id, trainer_id in allocations:
        row = rows.get(trainer_id)
        if row is None:  # no longer a trainer of the cohort
            continue
        key = _progress_key(work.get((assignment_id, participant_id)), trainer_id)
        row.by_assignment[assignment_id].count(key)
        row.total.count(key)
    by_assignment = {i: Progress() for i in ids}
    total = Progress()
    for row in rows.values():
        total.add(row.total)
        for i, progress in row.by_assignment.items():
            by_assignment[i].add(progress)
    return TrainerProgress(cohort, columns, list(rows.values()), by_assignment, total)


# --- flagged for reconciliation --------------------------------------------------------------


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


# --- a participant's own results -------------------------------------------------------------

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
    work = _work(ids, user_id=user.id)
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
