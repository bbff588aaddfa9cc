"""Grading reads of a whole cohort: its assignments (graded or all, in course order), its
trainers and participants, an assignment's grading plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, load_only

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading.kept import kept_instances
from lms.grading.models import GradingPlan
from lms.grading.status import RELEASABLE, STATUSES
from lms.submissions.models import CohortAssignment


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
    """The cohort's assignments that have a rubric, in course order then title (one query;
    none while those kept for the cohort's grading token hold: lms.grading.kept). Archived
    specs stay while grading has started on them (they have a plan)."""
    rows = kept_instances(
        ("graded_assignments",),
        cohort,
        lambda: db.session.execute(_graded_statement(), {"cohort_id": cohort.id}).all(),
    )
    return [Column(assignment, plan) for assignment, plan in rows]


# Statements are built once per process with bound parameters and only executed per request:
# building statements with this many joins, and computing their cache keys, costs more than
# running them.


@cache
def _graded_statement() -> Any:
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


#: Course order, then title: the order of :func:`cohort_assignments` (and of the queue).
ASSIGNMENT_ORDER = (CohortCourse.position, AssignmentSpec.title, CohortAssignment.id)


def cohort_assignments(cohort: Cohort) -> list[CohortAssignment]:
    """The cohort's assignments with their specs, in course order then title (one query;
    none while those kept for the cohort's grading token hold: lms.grading.kept)."""
    rows = kept_instances(
        ("assignments",),
        cohort,
        lambda: [
            (a,) for a in db.session.scalars(_assignments_statement(), {"cohort_id": cohort.id})
        ],
    )
    return [assignment for (assignment,) in rows]


@cache
def _assignments_statement() -> Any:
    return (
        db.select(CohortAssignment)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .outerjoin(
            CohortCourse,
            (CohortCourse.course_id == AssignmentSpec.course_id)
            & (CohortCourse.cohort_id == CohortAssignment.cohort_id),
        )
        .where(CohortAssignment.cohort_id == sa.bindparam("cohort_id"))
        .options(contains_eager(CohortAssignment.spec))
        .order_by(*ASSIGNMENT_ORDER)
    )


def members(cohort_id: int, role: str, *, brief: bool = False) -> list[User]:
    """The cohort's members holding ``role``, by name then id (the order ties are broken in);
    ``brief``: only the columns a report shows."""
    query = (
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == role)
        .order_by(User.full_name, User.id)
    )
    if brief:
        query = query.options(load_only(User.id, User.full_name, User.nip, User.office))
    return list(db.session.scalars(query))


def trainers(cohort_id: int) -> list[User]:
    return members(cohort_id, "trainer")


def participants(cohort_id: int) -> list[User]:
    return members(cohort_id, "participant")


def trainer_of(cohort: Cohort, user_id: int) -> User | None:
    """A trainer of the cohort by id (None: no such trainer here)."""
    return db.session.scalar(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == user_id,
            Membership.cohort_id == cohort.id,
            Membership.role == "trainer",
        )
    )


def plan_of(assignment: CohortAssignment) -> GradingPlan | None:
    """The assignment's grading plan if there is one (reading never creates it)."""
    return db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=assignment.id))
