"""Who marks whom: an assignment's allocations, the organizer's allocation table, and which
markers have started reviewing (they are never taken off)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.extensions import db
from lms.grading.models import Allocation, Review
from lms.grading.queries.cohort import trainers as cohort_trainers
from lms.submissions import queries as submission_queries
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion


def allocations_of(assignment_id: int, participant_id: int) -> list[Allocation]:
    """A participant's allocations on the assignment, in slot order."""
    return list(
        db.session.scalars(
            db.select(Allocation)
            .filter_by(assignment_id=assignment_id, participant_id=participant_id)
            .order_by(Allocation.slot)
        )
    )


def allocations_by_participant(assignment_id: int) -> dict[int, list[Allocation]]:
    """Participant id -> their allocations on the assignment, in slot order (one query)."""
    found: dict[int, list[Allocation]] = {}
    for allocation in db.session.scalars(
        db.select(Allocation).filter_by(assignment_id=assignment_id).order_by(Allocation.slot)
    ):
        found.setdefault(allocation.participant_id, []).append(allocation)
    return found


def started_pairs(
    assignment_id: int, participant_ids: Iterable[int] | None = None
) -> set[tuple[int, int]]:
    """(participant id, trainer id) for every trainer holding a review (any kind, any state)
    of the participant's work on the assignment."""
    query = (
        db.select(Submission.user_id, Review.trainer_id)
        .join(Review, Review.submission_id == Submission.id)
        .where(Submission.assignment_id == assignment_id)
        .distinct()
    )
    if participant_ids is not None:
        query = query.where(Submission.user_id.in_(list(participant_ids)))
    return {(pid, tid) for pid, tid in db.session.execute(query)}


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
    listing = submission_queries.staff_list(assignment)
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
