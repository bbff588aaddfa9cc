"""A trainer's queue: the work allocated to them, where it stands for them (bucket), a page at a
time for the page and whole for the CSV export, in a fixed number of queries whatever the
number of participants."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.db import among_ids
from lms.extensions import db
from lms.grading.kept import kept
from lms.grading.models import Allocation, Grade, Review
from lms.grading.queries.cohort import ASSIGNMENT_ORDER, cohort_assignments
from lms.grading.status import grade_status_sql
from lms.i18n import gettext as _
from lms.paging import Page
from lms.submissions.anonymity import participant_code
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

#: Where a piece of allocated work stands for its marker, in the order of the work.
BUCKETS = ("waiting", "to_grade", "in_progress", "done")


def bucket_labels() -> dict[str, str]:
    return {
        "waiting": _("Menunggu pengumpulan"),
        "to_grade": _("Perlu dinilai"),
        "in_progress": _("Sedang dinilai"),
        "done": _("Selesai dinilai"),
    }


# --- the trainer's queue -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Participant:
    """What the queue shows of a participant (when the viewer may see who it is)."""

    id: int
    full_name: str
    office: str


@dataclass(frozen=True, slots=True)
class Version:
    """The newest submitted version of the work."""

    id: int
    number: int
    submitted_dt: datetime
    late: bool


@dataclass(slots=True)
class QueueRow:
    """One participant's work on one assignment, allocated to the queue's trainer (plain
    values: a page of the queue loads no ORM objects)."""

    allocation_id: int
    assignment: CohortAssignment
    participant: Participant
    submission_id: int | None
    #: The newest submitted version (None: nothing submitted yet).
    latest: Version | None
    bucket: str
    #: The trainer's total for the latest version (None: not marked or incomplete).
    total: float | None
    #: The version's grade in lms.grading.status words (None: no grade yet).
    grade_status: str | None


@dataclass
class Queue:
    trainer: User
    #: Every row of the queue (after the assignment filter), in queue order.
    rows: list[QueueRow]
    #: Bucket -> rows, over every row (not only the shown ones).
    counts: dict[str, int] = field(default_factory=dict)
    #: The cohort's assignments (for the filter), in course order.
    assignments: list[CohortAssignment] = field(default_factory=list)

    def only(self, bucket: str | None) -> list[QueueRow]:
        if bucket not in BUCKETS:
            return self.rows
        return [row for row in self.rows if row.bucket == bucket]


@dataclass
class QueuePage:
    trainer: User
    #: The page's rows as the SQL gave them (tuples of _ROW_COLUMNS, see
    #: :func:`queue_row`), in queue order.
    records: list[tuple]
    #: Bucket -> rows, over every page (after the assignment filter, whatever the bucket).
    counts: dict[str, int]
    #: The cohort's assignments (for the filter), in course order.
    assignments: list[CohortAssignment]
    page: Page

    @property
    def total(self) -> int:
        """Rows over every page and bucket (after the assignment filter)."""
        return sum(self.counts.values())


# The queue's statements are built once per process with bound parameters (:cohort_id,
# :trainer_id, :assignment_id, :bucket, :limit, :offset, :ids) and only executed per request:
# building a statement with this many joins, and computing its cache key, costs more than
# running it.

#: Where the work stands for its marker (BUCKETS): nothing submitted yet; submitted but the
#: marker's own marking of the newest version is missing (or superseded); done; in progress.
_BUCKET = sa.case(
    (SubmissionVersion.id.is_(None), "waiting"),
    (sa.or_(Review.id.is_(None), Review.state == "superseded"), "to_grade"),
    (Review.state == "done", "done"),
    else_="in_progress",
).label("bucket")
_GRADE_STATUS = grade_status_sql().label("grade_status")
_ROW_COLUMNS = (
    Allocation.id.label("allocation_id"),
    Allocation.assignment_id,
    User.id.label("user_id"),
    User.full_name,
    User.office,
    Submission.id.label("submission_id"),
    SubmissionVersion.id.label("version_id"),
    SubmissionVersion.number,
    SubmissionVersion.submitted_dt,
    SubmissionVersion.late,
    sa.case((Review.state == "superseded", None), else_=Review.total).label("total"),
    _GRADE_STATUS,
    _BUCKET,
)


def _allocated(
    *columns: Any,
    one_assignment: bool,
    grade: bool = False,
    work: bool = True,
    within: Any = None,
    people: bool = True,
) -> Any:
    """SELECT ``columns`` over the work allocated to :trainer_id in :cohort_id (participants
    only; one :assignment_id when ``one_assignment``), with the participant, their submission,
    its newest version, the trainer's own marking of it (and its grade) outer-joined (not
    with ``work=False``: the allocations and participants alone).

    ``within``: a subquery of allocation ids (``id``) chosen by this function already, joined
    first; ``people=False``: without the participant's account (every allocation has one, so
    a count needs no join to it)."""
    if within is None:
        query = sa.select(*columns).select_from(Allocation)
    else:
        query = (
            sa.select(*columns).select_from(within).join(Allocation, Allocation.id == within.c.id)
        )
    query = query.join(CohortAssignment, CohortAssignment.id == Allocation.assignment_id).where(
        CohortAssignment.cohort_id == sa.bindparam("cohort_id"),
        Allocation.trainer_id == sa.bindparam("trainer_id"),
    )
    if people:
        query = query.join(User, User.id == Allocation.participant_id)
    if within is None:  # the ids within were chosen among participants already
        participant = aliased(Membership)
        query = query.join(
            participant,
            (participant.user_id == Allocation.participant_id)
            & (participant.cohort_id == CohortAssignment.cohort_id)
            & (participant.role == "participant"),
        )
    if one_assignment:
        query = query.where(Allocation.assignment_id == sa.bindparam("assignment_id"))
    if not work:
        return query
    query = (
        query.outerjoin(
            Submission,
            (Submission.assignment_id == Allocation.assignment_id)
            & (Submission.user_id == Allocation.participant_id),
        )
        .outerjoin(
            SubmissionVersion,
            (SubmissionVersion.submission_id == Submission.id)
            & (SubmissionVersion.number == Submission.latest_number),
        )
        .outerjoin(
            Review,
            (Review.version_id == SubmissionVersion.id)
            & (Review.trainer_id == Allocation.trainer_id)
            & (Review.kind == "marking"),
        )
    )
    if grade:
        query = query.outerjoin(Grade, Grade.version_id == SubmissionVersion.id)
    return query


def _ordered(query: Any) -> Any:
    """In queue order: assignment (course order, as :func:`cohort_assignments`), then name."""
    return (
        query.join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .outerjoin(
            CohortCourse,
            (CohortCourse.course_id == AssignmentSpec.course_id)
            & (CohortCourse.cohort_id == CohortAssignment.cohort_id),
        )
        .order_by(*ASSIGNMENT_ORDER, User.full_name, User.id)
    )


@cache
def _statement(kind: str, one_assignment: bool, one_bucket: bool = False) -> Any:
    if kind == "counts":
        return _allocated(
            _BUCKET, sa.func.count(), one_assignment=one_assignment, people=False
        ).group_by(_BUCKET)
    if kind == "ids":  # every row, to be sorted by code
        return _allocated(
            Allocation.id,
            Allocation.assignment_id,
            Allocation.participant_id,
            User.full_name,
            _BUCKET,
            one_assignment=one_assignment,
        )
    if kind == "page" and not one_bucket:
        # The page's allocations are chosen (sorted, cut) without the work joined, and only
        # their rows get the submission, version, marking and grade: a 250-row queue joins
        # 50 rows instead of 250. The page comes first in FROM: as an IN (subquery),
        # PostgreSQL joined the work to all 250 and only then kept the page's 50. Same
        # statement count, same order.
        page = (
            _ordered(_allocated(Allocation.id, one_assignment=one_assignment, work=False))
            .limit(sa.bindparam("limit"))
            .offset(sa.bindparam("offset"))
            .subquery("page")
        )
        return _ordered(
            _allocated(*_ROW_COLUMNS, one_assignment=one_assignment, grade=True, within=page)
        )
    query = _allocated(*_ROW_COLUMNS, one_assignment=one_assignment, grade=True)
    if kind == "by_ids":
        return query.where(among_ids(Allocation.id, "ids"))
    if one_bucket:
        query = query.where(sa.bindparam("bucket") == _BUCKET)
    query = _ordered(query)
    if kind == "page":  # one bucket
        query = query.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    return query


def _params(cohort: Cohort, trainer: User, assignment_id: int | None, **more: Any) -> dict:
    return {
        "cohort_id": cohort.id,
        "trainer_id": trainer.id,
        "assignment_id": assignment_id,
        **more,
    }


def queue_row(record: tuple, by_id: dict[int, CohortAssignment]) -> QueueRow:
    """The row of a record (a tuple of _ROW_COLUMNS, in their order)."""
    (
        allocation_id,
        assignment_id,
        user_id,
        full_name,
        office,
        submission_id,
        version_id,
        number,
        submitted_dt,
        late,
        total,
        grade_status,
        bucket,
    ) = record
    return QueueRow(
        allocation_id=allocation_id,
        assignment=by_id[assignment_id],
        participant=Participant(user_id, full_name, office or ""),
        submission_id=submission_id,
        latest=None
        if version_id is None
        else Version(version_id, number, submitted_dt, bool(late)),
        bucket=bucket,
        total=total,
        grade_status=grade_status,
    )


def _records(result: Any) -> list[tuple]:
    return [tuple(row) for row in result]


def _code_sort(
    assignments: list[CohortAssignment], hides: Callable[[CohortAssignment], bool] | None
) -> Callable[[int, int, str], tuple] | None:
    """Queue order where the viewer sees codes instead of names on some assignment (blind
    marking): assignment, then the code there (sorting by the hidden name would give away the
    names' alphabetical order), the name elsewhere, then the participant's id. None when the
    viewer sees every name (the SQL order is right)."""
    coded = {a.id for a in assignments if hides is not None and hides(a)}
    if not coded:
        return None
    order = {a.id: n for n, a in enumerate(assignments)}

    def key(assignment_id: int, participant_id: int, name: str) -> tuple:
        shown = participant_code(assignment_id, participant_id) if assignment_id in coded else name
        return order[assignment_id], shown, participant_id

    return key


def trainer_queue(
    cohort: Cohort,
    trainer: User,
    assignment_id: int | None = None,
    hides: Callable[[CohortAssignment], bool] | None = None,
) -> Queue:
    """All the work allocated to ``trainer`` in ``cohort`` (optionally one assignment), with
    the newest version, the trainer's own total for it and its grade (two queries), in queue
    order (codes where ``hides``, see :func:`_code_sort`). For the CSV export; the page shows
    :func:`trainer_queue_page`."""
    assignments = cohort_assignments(cohort)
    statement = _statement("all", assignment_id is not None)
    by_id = {a.id: a for a in assignments}
    rows = [
        queue_row(r, by_id) for r in db.rows(statement, _params(cohort, trainer, assignment_id))
    ]
    key = _code_sort(assignments, hides)
    if key is not None:
        rows.sort(key=lambda r: key(r.assignment.id, r.participant.id, r.participant.full_name))
    counts = dict.fromkeys(BUCKETS, 0)
    for row in rows:
        counts[row.bucket] += 1
    return Queue(trainer=trainer, rows=rows, counts=counts, assignments=assignments)


def trainer_queue_page(
    cohort: Cohort,
    trainer: User,
    assignment_id: int | None = None,
    bucket: str | None = None,
    page: int = 1,
    per_page: int | None = None,
    hides: Callable[[CohortAssignment], bool] | None = None,
) -> QueuePage:
    """Page ``page`` of :func:`trainer_queue` (only the rows in ``bucket`` when given) with
    the counts per bucket over every row: three queries, whatever the size of the queue (one
    while the assignments and counts kept for the cohort's grading token hold:
    lms.grading.kept); a page past the end is the last one.

    Rows are sorted and cut into pages in SQL. Where the viewer sees codes instead of names
    (``hides``: blind marking), a code (an HMAC) cannot be sorted on in SQL: then only the ids,
    names and buckets of every row are read, sorted by code and cut in Python, and the page's
    rows loaded by id."""
    bucket = bucket if bucket in BUCKETS else None
    one = assignment_id is not None
    assignments = cohort_assignments(cohort)
    in_scope = [a for a in assignments if not one or a.id == assignment_id]
    counts = dict.fromkeys(BUCKETS, 0)
    key = _code_sort(in_scope, hides)
    if key is not None:
        listing = db.rows(_statement("ids", one), _params(cohort, trainer, assignment_id)).all()
        for *_ids, in_bucket in listing:
            counts[in_bucket] += 1
        chosen = sorted(
            (r for r in listing if bucket is None or r[4] == bucket),
            key=lambda r: key(r[1], r[2], r[3]),
        )
        shown = Page.of(page, len(chosen), per_page)
        ids = [r[0] for r in shown.rows_of(chosen)]
        records = _records_of(ids, cohort, trainer, assignment_id)
        return QueuePage(trainer, records, counts, assignments, shown)

    counts.update(
        kept(
            ("queue", trainer.id, assignment_id),
            cohort,
            lambda: dict(
                db.rows(_statement("counts", one), _params(cohort, trainer, assignment_id)).all()
            ),
        )
    )
    shown = Page.of(page, counts[bucket] if bucket else sum(counts.values()), per_page)
    params = _params(
        cohort, trainer, assignment_id, bucket=bucket, limit=shown.per_page, offset=shown.offset
    )
    fresh: list[list[tuple]] = []

    def chosen() -> tuple[int, ...]:
        fresh.append(_records(db.rows(_statement("page", one, bucket is not None), params)))
        return tuple(r[0] for r in fresh[0])

    # Which allocations the page shows, in which order, holds as long as the token: from the
    # second view on, only their rows are read (by id), not sorted out of the whole queue again.
    page_key = ("queue page", trainer.id, assignment_id, bucket, shown.offset, shown.per_page)
    ids = kept(page_key, cohort, chosen)
    records = fresh[0] if fresh else _records_of(ids, cohort, trainer, assignment_id)
    return QueuePage(trainer, records, counts, assignments, shown)


def _records_of(
    ids: Sequence[int], cohort: Cohort, trainer: User, assignment_id: int | None
) -> list[tuple]:
    """The records of the allocations ``ids``, in that order."""
    if not ids:
        return []
    position = {allocation_id: n for n, allocation_id in enumerate(ids)}
    params = _params(cohort, trainer, assignment_id, ids=list(ids))
    records = _records(db.rows(_statement("by_ids", assignment_id is not None), params))
    records.sort(key=lambda r: position[r[0]])
    return records
