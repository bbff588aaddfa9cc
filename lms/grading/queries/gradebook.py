"""The cohort's grade book: participants × graded assignments, the workflow status of each cell
computed in SQL (:func:`lms.grading.status.workflow_status_sql`), a page at a time for the
page and whole for the exports, in a fixed number of queries whatever the size of the cohort."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from typing import Any

import sqlalchemy as sa

from lms.accounts.civil_service import format_nip
from lms.accounts.models import User
from lms.cohorts.models import Cohort, Membership
from lms.db import among_ids
from lms.extensions import db
from lms.grading.kept import kept
from lms.grading.models import Grade
from lms.grading.queries.cohort import Column, graded_assignments
from lms.grading.queries.work import GRADE_COLUMNS
from lms.grading.status import RELEASABLE, STATUSES, workflow_status_sql
from lms.paging import Page
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion


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


@dataclass(frozen=True, slots=True)
class Person:
    """What the grade book shows of a participant (plain values, no ORM object)."""

    id: int
    full_name: str
    nip: str | None
    office: str | None

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip)


@dataclass
class BookRow:
    user: Person
    #: Assignment id -> cell.
    cells: dict[int, Cell]


@dataclass
class GradeBook:
    """Rows of the grade book (one page, or all of them for an export); the counts are over
    every participant, whatever the filters."""

    cohort: Cohort
    columns: list[Column]
    #: Participants of the cohort (all of them, whatever the filters).
    participants: int
    #: The rows' participants as the SQL gave them: (id, full_name, nip, office) tuples.
    people: list[tuple]
    #: (assignment id, participant id) -> the cell's SQL record (see :func:`cell_of`); no
    #: record: nothing submitted.
    records: dict[tuple[int, int], tuple]
    page: Page

    @cached_property
    def rows(self) -> list[BookRow]:
        cells = {key: cell_of(record) for key, record in self.records.items()}
        return _rows(self.columns, [Person(*person) for person in self.people], cells)

    def column(self, assignment_id: int | None) -> Column | None:
        return next((c for c in self.columns if c.id == assignment_id), None)

    def totals(self) -> dict[str, int]:
        """Workflow status -> number of cells over every assignment."""
        counts = dict.fromkeys(STATUSES, 0)
        for column in self.columns:
            for status, n in column.counts.items():
                counts[status] += n
        return counts


# The statements are built once per process with bound parameters (:cohort_id, :ids, :status,
# :user_ids, :limit, :offset) and only executed per request: building statements with this
# many joins, and computing their cache keys, costs more than running them.


def _cells() -> Any:
    """A subquery of one row per participant of :cohort_id and assignment in :ids:
    (user_id, assignment_id, status)."""
    query = (
        sa.select(
            Membership.user_id.label("user_id"),
            CohortAssignment.id.label("assignment_id"),
            workflow_status_sql(SubmissionVersion.id).label("status"),
        )
        .select_from(Membership)
        .join(CohortAssignment, among_ids(CohortAssignment.id, "ids"))
        .outerjoin(
            Submission,
            (Submission.assignment_id == CohortAssignment.id)
            & (Submission.user_id == Membership.user_id),
        )
    )
    return (
        _with_latest(query)
        .where(
            Membership.cohort_id == sa.bindparam("cohort_id"),
            Membership.role == "participant",
        )
        .subquery("cells")
    )


def _with_latest(query: Any) -> Any:
    """``query`` (over Submission) with the submission's newest version and that version's
    grade outer-joined."""
    return query.outerjoin(
        SubmissionVersion,
        (SubmissionVersion.submission_id == Submission.id)
        & (SubmissionVersion.number == Submission.latest_number),
    ).outerjoin(Grade, Grade.version_id == SubmissionVersion.id)


def _cell_columns() -> tuple:
    """A cell's record: see :func:`cell_of`."""
    return (
        Submission.id,
        Submission.assignment_id,
        Submission.user_id,
        Submission.latest_number,
        SubmissionVersion.submitted_dt,
        SubmissionVersion.late,
        workflow_status_sql(SubmissionVersion.id).label("status"),
        *GRADE_COLUMNS,
    )


@cache
def _statement(kind: str) -> Any:
    if kind == "counts":
        # Cells per assignment and status, counted over the participants' submissions only
        # (a cell without one is "not_submitted": status_counts adds those), and a first row
        # (NULL, '', n) with the number of participants.
        status = workflow_status_sql(SubmissionVersion.id)
        participants = sa.select(
            sa.null().label("assignment_id"), sa.literal("").label("status"), sa.func.count()
        ).where(
            Membership.cohort_id == sa.bindparam("cohort_id"),
            Membership.role == "participant",
        )
        submitted = _with_latest(
            sa.select(Submission.assignment_id, status, sa.func.count()).join(
                Membership,
                (Membership.user_id == Submission.user_id)
                & (Membership.cohort_id == sa.bindparam("cohort_id"))
                & (Membership.role == "participant"),
            )
        )
        submitted = submitted.where(among_ids(Submission.assignment_id, "ids")).group_by(
            Submission.assignment_id, status
        )
        return sa.union_all(participants, submitted)
    if kind == "matching":  # participants with a cell in :status
        cells = _cells()
        return sa.select(sa.func.count(sa.distinct(cells.c.user_id))).where(
            cells.c.status == sa.bindparam("status")
        )
    if kind == "all_cells":  # the cells of everyone in :ids
        return _with_latest(sa.select(*_cell_columns())).where(
            among_ids(Submission.assignment_id, "ids")
        )
    if kind == "cells_of":  # the cells of the people :user_ids in :column_ids
        return _with_latest(sa.select(*_cell_columns())).where(
            among_ids(Submission.user_id, "user_ids"),
            among_ids(Submission.assignment_id, "column_ids"),
        )
    if kind in ("page", "page_in_status"):
        # A page of "people" or "people_in_status", each with their cells in :column_ids
        # (a person without any: one row of NULLs), in the page's order: one statement.
        people = _statement("people" if kind == "page" else "people_in_status").subquery()
        query = sa.select(people, *_cell_columns()).outerjoin(
            Submission,
            (Submission.user_id == people.c.id) & among_ids(Submission.assignment_id, "column_ids"),
        )
        return _with_latest(query).order_by(people.c.full_name, people.c.id)
    # "people", "everyone", "people_in_status": participants by name (a page of them; all of
    # them; a page of those with a cell in :status)
    people = (
        sa.select(User.id, User.full_name, User.nip, User.office)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.cohort_id == sa.bindparam("cohort_id"),
            Membership.role == "participant",
        )
        .order_by(User.full_name, User.id)
    )
    if kind == "everyone":
        return people
    if kind == "people_in_status":
        cells = _cells()
        people = people.where(
            User.id.in_(sa.select(cells.c.user_id).where(cells.c.status == sa.bindparam("status")))
        )
    return people.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


def status_counts(cohort: Cohort) -> tuple[list[Column], int]:
    """The graded assignments with their counts per workflow status, and the number of
    participants, counted in SQL (two queries, whatever the size of the cohort; none while
    the assignments and counts kept for the cohort's grading token hold: lms.grading.kept)."""
    columns = graded_assignments(cohort)
    participants = 0
    if columns:
        ids = tuple(c.id for c in columns)
        participants, counted = kept(("gradebook", ids), cohort, lambda: _counted(cohort, ids))
        for column in columns:
            column.counts.update(counted[column.id])
    return columns, participants


def _counted(cohort: Cohort, ids: tuple[int, ...]) -> tuple[int, dict[int, dict[str, int]]]:
    """The number of participants, and assignment id -> workflow status -> cells."""
    participants = 0
    counted = {assignment_id: dict.fromkeys(STATUSES, 0) for assignment_id in ids}
    params = {"cohort_id": cohort.id, "ids": list(ids)}
    for assignment_id, status, n in db.rows(_statement("counts"), params):
        if assignment_id is None:
            participants = n
        else:
            counted[assignment_id][status] += n
    # Every participant has exactly one cell per assignment: those not counted yet have no
    # submission there.
    for counts in counted.values():
        counts["not_submitted"] += participants - sum(counts.values())
    return participants, counted


def gradebook_page(
    cohort: Cohort,
    assignment_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> GradeBook:
    """Page ``page`` of the participants (by name, then id) whose cell in ``assignment_id``
    (None: in any graded assignment) has ``status`` (None: everyone), with every count over
    the whole cohort. Three queries (four with a status over several assignments; two fewer
    while the assignments and counts are kept), whatever the size of the cohort; a page past
    the end is the last one."""
    columns, participants = status_counts(cohort)
    selected = next((c for c in columns if c.id == assignment_id), None)
    status = status if status in STATUSES else None
    if not columns:
        return GradeBook(cohort, columns, participants, [], {}, Page.of(1, 0, per_page))
    params: dict[str, Any] = {
        "cohort_id": cohort.id,
        "status": status,
        "column_ids": [c.id for c in columns],
    }
    kind = "page"
    if status is None:
        total = participants
    else:
        scope = [selected] if selected else columns
        params["ids"] = [c.id for c in scope]
        kind = "page_in_status"
        if len(scope) == 1:
            total = scope[0].counts[status]
        else:
            total = db.session.scalar(_statement("matching"), params)
    shown = Page.of(page, total, per_page)
    params.update(limit=shown.per_page, offset=shown.offset)
    records: dict[tuple[int, int], tuple] = {}
    read: list[bool] = []

    def chosen() -> tuple[tuple, ...]:
        read.append(True)
        people: list[tuple] = []
        for row in db.rows(_statement(kind), params):
            if not people or people[-1][0] != row[0]:
                people.append(tuple(row[:4]))
            if row[4] is not None:  # a cell with a submission: a record as _records makes
                records[(row[5], row[6])] = tuple(row[4:])
        return tuple(people)

    # Who the page shows, in which order, holds as long as the token (names, NIPs and offices
    # included): from the second view on, only their cells are read, not sorted out of the
    # whole class again.
    scope_ids = tuple(params.get("ids", ()))
    page_key = ("gradebook page", kind, status, scope_ids, shown.offset, shown.per_page)
    people = kept(page_key, cohort, chosen)
    if not read and people:
        cells = {**params, "user_ids": [person[0] for person in people]}
        records = _records(db.rows(_statement("cells_of"), cells))
    return GradeBook(cohort, columns, participants, list(people), records, shown)


def gradebook(cohort: Cohort) -> GradeBook:
    """Every participant (by name, then id) × every graded assignment, for the exports (four
    queries, whatever the size of the cohort)."""
    columns, participants = status_counts(cohort)
    if not columns:
        return GradeBook(cohort, columns, participants, [], {}, Page.of(1, 0))
    people = [tuple(row) for row in db.rows(_statement("everyone"), {"cohort_id": cohort.id})]
    records = _records(db.rows(_statement("all_cells"), {"ids": [c.id for c in columns]}))
    shown = Page.of(1, len(people), len(people))
    return GradeBook(cohort, columns, participants, people, records, shown)


def _records(result: Any) -> dict[tuple[int, int], tuple]:
    """(assignment id, participant id) -> the record of each row of an "all_cells" statement."""
    return {(row[1], row[2]): tuple(row) for row in result}


def cell_of(record: tuple | None) -> Cell:
    """The cell of a record of an "all_cells" statement, or of a page's row from its fifth
    column on (None: nothing submitted)."""
    if record is None:
        return Cell("not_submitted")
    (submission_id, _a, _u, latest_number, submitted_dt, late, status, grade_id) = record[:8]
    _grade_status, outcome, total, band, passed, released_dt = record[8:]
    cell = Cell(
        status,
        submission_id=submission_id,
        version=latest_number or None,
        submitted_dt=submitted_dt,
        late=bool(late),
    )
    if grade_id is not None:
        cell.grade_id, cell.outcome = grade_id, outcome
        cell.total, cell.band, cell.passed, cell.released_dt = total, band, passed, released_dt
    return cell


def _rows(
    columns: Collection[Column], people: list[Person], cells: dict[tuple[int, int], Cell]
) -> list[BookRow]:
    return [
        BookRow(
            person,
            {c.id: cells.get((c.id, person.id)) or Cell("not_submitted") for c in columns},
        )
        for person in people
    ]
