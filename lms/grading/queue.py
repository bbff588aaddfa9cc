"""Grading read side: a trainer's queue and the organizer's allocation table. Each function
runs a fixed number of queries, whatever the number of participants."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import aliased, contains_eager, joinedload, load_only

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading.allocating import cohort_trainers, started_pairs
from lms.grading.models import Allocation, Grade, Review
from lms.submissions import queries
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


def bucket_of(latest: SubmissionVersion | None, review: Review | None) -> str:
    """``latest``: the newest submitted version; ``review``: the marker's own marking of it."""
    if latest is None:
        return "waiting"
    if review is None or review.state == "superseded":
        return "to_grade"
    return "done" if review.state == "done" else "in_progress"


def cohort_assignments(cohort: Cohort) -> list[CohortAssignment]:
    """The cohort's assignments with their specs, in course order then title (one query)."""
    return list(
        db.session.scalars(
            db.select(CohortAssignment)
            .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
            .outerjoin(
                CohortCourse,
                (CohortCourse.course_id == AssignmentSpec.course_id)
                & (CohortCourse.cohort_id == CohortAssignment.cohort_id),
            )
            .where(CohortAssignment.cohort_id == cohort.id)
            .options(contains_eager(CohortAssignment.spec))
            .order_by(CohortCourse.position, AssignmentSpec.title, CohortAssignment.id)
        )
    )


# --- the trainer's queue -----------------------------------------------------------------------


@dataclass
class QueueRow:
    """One participant's work on one assignment, allocated to the queue's trainer."""

    allocation: Allocation
    assignment: CohortAssignment
    participant: User
    submission: Submission | None
    #: The newest submitted version (None: nothing submitted yet).
    latest: SubmissionVersion | None
    #: The trainer's own marking of ``latest``.
    review: Review | None
    #: The grade of ``latest``.
    grade: Grade | None
    bucket: str

    @property
    def total(self) -> float | None:
        """The trainer's total for the latest version (None: not marked or incomplete)."""
        if self.review is None or self.review.state == "superseded":
            return None
        return self.review.total

    @property
    def grade_status(self) -> str | None:
        """The version's grade in lms.grading.status words (None: no grade yet)."""
        if self.grade is None:
            return None
        if self.grade.released_dt is not None:
            return "released"
        return {"agreed": "marked", "flagged": "flagged", "reconciled": "reconciled"}[
            self.grade.status
        ]


@dataclass
class Queue:
    trainer: User
    #: Every row of the queue (after the assignment filter), by assignment then name.
    rows: list[QueueRow]
    #: Bucket -> rows, over every row (not only the shown ones).
    counts: dict[str, int] = field(default_factory=dict)
    #: The cohort's assignments (for the filter), in course order.
    assignments: list[CohortAssignment] = field(default_factory=list)

    def only(self, bucket: str | None) -> list[QueueRow]:
        if bucket not in BUCKETS:
            return self.rows
        return [row for row in self.rows if row.bucket == bucket]


_SUBMISSION_COLUMNS = (
    Submission.id,
    Submission.assignment_id,
    Submission.user_id,
    Submission.state,
    Submission.draft_dt,
    Submission.latest_number,
    Submission.lock_version,
)
_VERSION_COLUMNS = (
    SubmissionVersion.id,
    SubmissionVersion.submission_id,
    SubmissionVersion.number,
    SubmissionVersion.submitted_dt,
    SubmissionVersion.late,
)


def trainer_queue(cohort: Cohort, trainer: User, assignment_id: int | None = None) -> Queue:
    """The work allocated to ``trainer`` in ``cohort`` (optionally one assignment), with the
    newest version, the trainer's own marking of it and its grade: two queries."""
    assignments = cohort_assignments(cohort)
    by_id = {a.id: a for a in assignments}
    participant = aliased(Membership)
    query = (
        db.select(Allocation, User, Submission, SubmissionVersion, Review, Grade)
        .join(CohortAssignment, CohortAssignment.id == Allocation.assignment_id)
        .join(User, User.id == Allocation.participant_id)
        .join(
            participant,
            (participant.user_id == Allocation.participant_id)
            & (participant.cohort_id == cohort.id)
            & (participant.role == "participant"),
        )
        .outerjoin(
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
        .outerjoin(Grade, Grade.version_id == SubmissionVersion.id)
        .where(CohortAssignment.cohort_id == cohort.id, Allocation.trainer_id == trainer.id)
        .options(
            load_only(*_SUBMISSION_COLUMNS),
            load_only(*_VERSION_COLUMNS),
        )
        .order_by(User.full_name, User.id)
    )
    if assignment_id is not None:
        query = query.where(Allocation.assignment_id == assignment_id)
    rows = []
    for allocation, person, submission, latest, review, grade in db.session.execute(query):
        rows.append(
            QueueRow(
                allocation=allocation,
                assignment=by_id[allocation.assignment_id],
                participant=person,
                submission=submission,
                latest=latest,
                review=review,
                grade=grade,
                bucket=bucket_of(latest, review),
            )
        )
    order = {a.id: n for n, a in enumerate(assignments)}
    rows.sort(key=lambda r: order[r.assignment.id])  # stable: names stay in order
    counts = dict.fromkeys(BUCKETS, 0)
    for row in rows:
        counts[row.bucket] += 1
    return Queue(trainer=trainer, rows=rows, counts=counts, assignments=assignments)


# --- the organizer's allocation table ----------------------------------------------------------


@dataclass
class AllocationRow:
    participant: User
    submission: Submission | None
    latest: SubmissionVersion | None
    #: Submission display state (lms.submissions.queries.DISPLAY_STATES).
    state: str
    #: Current markers in slot order.
    markers: list[User] = field(default_factory=list)
    #: Ids of the markers (or former markers) who have started reviewing this work.
    started: set[int] = field(default_factory=set)


@dataclass
class AllocationTable:
    assignment: CohortAssignment
    #: Every participant of the cohort, by name.
    rows: list[AllocationRow]
    #: The cohort's trainers, by name.
    trainers: list[User]
    #: Trainer id -> participants of the cohort allocated to them on this assignment.
    loads: dict[int, int]

    @property
    def unallocated(self) -> int:
        return sum(1 for row in self.rows if not row.markers)


def allocation_table(assignment: CohortAssignment) -> AllocationTable:
    """Every participant with their submission state and markers, the trainers and their
    loads (seven queries)."""
    listing = queries.staff_list(assignment)
    trainers = cohort_trainers(assignment.cohort_id)
    markers: dict[int, list[User]] = {}
    loads = dict.fromkeys((t.id for t in trainers), 0)
    participant_ids = {row.user.id for row in listing.rows}
    for allocation in db.session.scalars(
        db.select(Allocation)
        .filter_by(assignment_id=assignment.id)
        .options(joinedload(Allocation.trainer))
        .order_by(Allocation.slot)
    ):
        if allocation.participant_id not in participant_ids:
            continue
        markers.setdefault(allocation.participant_id, []).append(allocation.trainer)
        if allocation.trainer_id in loads:
            loads[allocation.trainer_id] += 1
    started: dict[int, set[int]] = {}
    for participant_id, trainer_id in started_pairs(assignment.id):
        started.setdefault(participant_id, set()).add(trainer_id)
    rows = [
        AllocationRow(
            participant=row.user,
            submission=row.submission,
            latest=row.latest,
            state=row.state,
            markers=markers.get(row.user.id, []),
            started=started.get(row.user.id, set()),
        )
        for row in listing.rows
    ]
    return AllocationTable(assignment=assignment, rows=rows, trainers=trainers, loads=loads)
