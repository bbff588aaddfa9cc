"""Who may mark, oversee, reconcile and release, and when a grade or a rubric may still change
(plain predicates and reasons; routes check them after loading, operations before writing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lms.catalog.models import Rubric
from lms.cohorts.models import Membership
from lms.extensions import db
from lms.grading.models import Allocation, Grade, GradingPlan, Review
from lms.grading.status import RELEASABLE, grade_status
from lms.i18n import gettext as _
from lms.submissions.models import CohortAssignment, Submission


def can_mark(user: Any, submission: Submission) -> bool:
    """Only the trainers of the cohort allocated to this participant's work on the assignment
    write markings of it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
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


def can_oversee(user: Any, membership: Membership | None) -> bool:
    """Organizers and admins: every trainer's queue, every flagged grade, the grade book."""
    return bool(getattr(user, "is_admin", False)) or (
        membership is not None and membership.role == "organizer"
    )


def can_lead(user: Any, membership: Membership | None, plan: GradingPlan | None) -> bool:
    """Reconcile flagged grades and release: organizers, admins and the plan's lead trainer."""
    if can_oversee(user, membership):
        return True
    return (
        membership is not None
        and membership.role == "trainer"
        and plan is not None
        and plan.lead_trainer_id is not None
        and plan.lead_trainer_id == user.id
    )


def can_open_marking(
    user: Any, membership: Membership | None, submission: Submission, plan: GradingPlan | None
) -> bool:
    """The grading page of one submission: its markers, and those who lead (read-only, to
    reconcile or release from there); any other trainer of the cohort gets 403."""
    return can_mark(user, submission) or can_lead(user, membership, plan)


def has_queue(membership: Membership | None) -> bool:
    """Trainers of the cohort have a queue of work to grade."""
    return membership is not None and membership.role == "trainer"


def can_see_queue(user: Any, membership: Membership | None, trainer_id: int) -> bool:
    """Trainers see their own queue; organizers and admins anyone's."""
    return trainer_id == user.id or can_oversee(user, membership)


def markings_shown(
    user: Any, marker: bool, grade: Grade | None, markings: Iterable[Review]
) -> list[Review]:
    """Independent double marking: before the grade is settled, a marker sees only their own
    marking; everyone else (and markers afterwards) sees them all."""
    if marker and grade is None:
        return [r for r in markings if r.trainer_id == user.id]
    return list(markings)


# --- grades -------------------------------------------------------------------------------------


def is_final(grade: Grade | None) -> bool:
    """Released or reconciled: markers can no longer change it."""
    return grade is not None and (grade.released or grade.status == "reconciled")


def releasable(grade: Grade) -> bool:
    """Agreed or reconciled, not released yet, and of the participant's newest version."""
    return (
        grade_status(grade) in RELEASABLE and grade.version.number == grade.submission.latest_number
    )


def awaits_reconciliation(grade: Grade | None) -> bool:
    """Flagged, or reconciled and not released yet: the reconciliation page is open."""
    return grade is not None and grade.status in ("flagged", "reconciled")


def why_not_reconcile(grade: Grade) -> str | None:
    if grade.released:
        return _("Nilai ini sudah dirilis; tidak dapat direkonsiliasi lagi.")
    if not awaits_reconciliation(grade):
        return _("Nilai ini tidak menunggu rekonsiliasi.")
    return None


# --- rubrics ------------------------------------------------------------------------------------


def reviews_started(assignment: CohortAssignment) -> bool:
    """Whether any review (in any state, of any kind) exists for the assignment's work: the
    rubric it uses can no longer be copied, changed or replaced."""
    found = db.session.scalar(
        db.select(Review.id)
        .join(Submission, Submission.id == Review.submission_id)
        .where(Submission.assignment_id == assignment.id)
        .limit(1)
    )
    return found is not None


def is_cohort_copy(rubric: Rubric | None) -> bool:
    return rubric is not None and rubric.cohort_id is not None


def why_not_copy_rubric(plan: GradingPlan, pack: Rubric | None) -> str | None:
    if reviews_started(plan.assignment):
        return _("Penilaian tugas ini sudah dimulai; rubrik tidak dapat disalin lagi.")
    if plan.rubric_id is not None:
        return _("Tugas ini sudah memakai salinan rubrik kelas.")
    if pack is None:
        return _("Tugas ini tidak memiliki rubrik di paket mata pelatihan.")
    return None


def why_not_reset_rubric(plan: GradingPlan | None, pack: Rubric | None) -> str | None:
    if plan is not None and reviews_started(plan.assignment):
        return _("Penilaian tugas ini sudah dimulai; rubrik tidak dapat diganti lagi.")
    if plan is None or plan.rubric_id is None:
        return _("Tugas ini sudah memakai rubrik paket.")
    if pack is None:
        return _("Tugas ini tidak memiliki rubrik di paket mata pelatihan.")
    return None


def why_not_edit_rubric(rubric: Rubric) -> str | None:
    """Only a cohort's own copy, before it froze and before grading with it started."""
    if not is_cohort_copy(rubric):
        return _(
            "Rubrik paket diubah di paket mata pelatihan, bukan di sini. "
            "Salin dulu rubrik ke kelas ini."
        )
    if rubric.frozen:
        return _(
            "Rubrik ini sudah dipakai untuk penilaian sehingga terkunci dan tidak dapat diubah."
        )
    started = db.session.scalar(
        db.select(Review.id)
        .join(Submission, Submission.id == Review.submission_id)
        .join(GradingPlan, GradingPlan.assignment_id == Submission.assignment_id)
        .where(GradingPlan.rubric_id == rubric.id)
        .limit(1)
    )
    if started is not None:
        return _("Penilaian tugas ini sudah dimulai; rubrik tidak dapat diubah lagi.")
    return None
