"""The rubric an assignment uses (the pack's, or the cohort's own copy) and what an organizer
may do with it now."""

from __future__ import annotations

from dataclasses import dataclass

from lms.catalog.models import Rubric
from lms.grading.models import GradingPlan
from lms.grading.permissions import reviews_started
from lms.grading.queries.submission import pack_rubric
from lms.submissions.models import CohortAssignment


@dataclass
class RubricState:
    """The rubric an assignment uses and what an organizer may do with it now."""

    rubric: Rubric | None
    pack: Rubric | None
    is_copy: bool
    started: bool

    @property
    def can_copy(self) -> bool:
        return not self.started and not self.is_copy and self.pack is not None

    @property
    def can_edit(self) -> bool:
        return (
            not self.started and self.is_copy and self.rubric is not None and not self.rubric.frozen
        )

    @property
    def can_reset(self) -> bool:
        return not self.started and self.is_copy and self.pack is not None


def rubric_state(assignment: CohortAssignment, plan: GradingPlan | None) -> RubricState:
    """``plan`` may be None (no plan yet: the pack's rubric is used)."""
    pack = pack_rubric(assignment)
    copy = plan.rubric if plan is not None and plan.rubric_id is not None else None
    return RubricState(
        rubric=copy if copy is not None else pack,
        pack=pack,
        is_copy=copy is not None,
        started=reviews_started(assignment),
    )
