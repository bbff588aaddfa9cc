"""Trainers' progress: per trainer of the cohort and per graded assignment, the allocated work
waiting, to grade, in progress and done (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass

from lms.accounts.models import User
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading.models import Allocation
from lms.grading.queries.cohort import Column, graded_assignments, members
from lms.grading.queries.work import Work, work_of

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


def _progress_key(work: Work | None, trainer_id: int) -> str:
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
    trainers = members(cohort.id, "trainer", brief=True)
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
    work = work_of(ids)
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
