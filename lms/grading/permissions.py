"""Who may mark, reconcile and release (plain predicates; routes check them after loading)."""

from __future__ import annotations

from typing import Any

from lms.cohorts.models import Membership
from lms.extensions import db
from lms.grading.models import Allocation, GradingPlan
from lms.submissions.models import Submission


def is_marker(user: Any, submission: Submission) -> bool:
    """A trainer of the cohort allocated to this participant's work on the assignment."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    from lms.submissions.models import CohortAssignment

    found = db.session.scalar(
        db.select(Allocation.id)
        .join(CohortAssignment, CohortAssignment.id == Allocation.assignment_id)
        .join(
            Membership,
            (Membership.cohort_id == CohortAssignment.cohort_id)
            & (Membership.user_id == Allocation.trainer_id),
        )
        .where(
            Allocation.assignment_id == submission.assignment_id,
            Allocation.participant_id == submission.user_id,
            Allocation.trainer_id == user.id,
            Membership.role == "trainer",
        )
        .limit(1)
    )
    return found is not None


def can_lead(user: Any, membership: Membership | None, plan: GradingPlan | None) -> bool:
    """Reconcile flagged grades and release: organizers, admins and the plan's lead trainer."""
    if getattr(user, "is_admin", False):
        return True
    if membership is None:
        return False
    if membership.role == "organizer":
        return True
    return (
        membership.role == "trainer"
        and plan is not None
        and plan.lead_trainer_id is not None
        and plan.lead_trainer_id == user.id
    )
