"""Who may do what on a clinic case, and why a step cannot be taken now.

Who is on a case comes from ``lms.clinic.access.CaseAccess``: its requester, its assigned
mentors, the region's coordinators (and admins). Who may *open* a case in a region: a civil
servant of the region (``queries.home_regions``): linked to one of its offices
(``User.office_id``), a member of one of its classes, or holding a role in it.
"""

from __future__ import annotations

from typing import Any

from lms.clinic.access import CaseAccess
from lms.clinic.models import OPEN_STATES, ActionItem, Consultation
from lms.clinic.stages import Stage, StageSet
from lms.i18n import gettext as _

#: States in which the thread takes new messages.
TALKING_STATES = ("new", "active", "done")


def can_see_notes(access: CaseAccess) -> bool:
    """Mentors' private notes (and their files): mentors and coordinators, never the
    requester."""
    return access.staff


def can_triage(access: CaseAccess) -> bool:
    """Accept with mentors, merge a duplicate, close with a reason, change the mentors."""
    return access.coordinator


def why_not_accept(consultation: Consultation) -> str | None:
    if consultation.state == "new":
        return None
    return _("Konsultasi ini sudah ditangani; ubah pendampingnya di bawah bila perlu.")


def why_not_end(consultation: Consultation) -> str | None:
    """Merging and closing: only a case still open."""
    if consultation.state in OPEN_STATES:
        return None
    return _("Konsultasi ini sudah selesai, digabungkan atau ditutup.")


def can_post(access: CaseAccess, consultation: Consultation) -> bool:
    return access.any and consultation.state in TALKING_STATES


def can_work(access: CaseAccess, consultation: Consultation) -> bool:
    """Ticks, stage moves, appointments, records, attendance and action items: the case's
    mentors and coordinators while the case is accepted and not finished."""
    return access.staff and consultation.state == "active"


def why_not_work(consultation: Consultation) -> str | None:
    if consultation.state == "active":
        return None
    if consultation.state == "new":
        return _("Konsultasi ini belum diterima koordinator.")
    return _("Konsultasi ini sudah selesai, digabungkan atau ditutup.")


def open_criteria(stage: Stage | None, ticked: set[str]) -> list[str]:
    """The current stage's criteria not ticked yet (keys, in the file's order)."""
    if stage is None:
        return []
    return [key for key in stage.criterion_keys if key not in ticked]


def why_not_move(
    access: CaseAccess,
    consultation: Consultation,
    stages: StageSet,
    ticked: set[str],
    override_reason: str,
) -> str | None:
    """Moving on needs every criterion of the current stage ticked, or the coordinator's
    written override. A stage the file no longer has can be moved on by the coordinator."""
    if reason := why_not_work(consultation):
        return reason
    stage = stages.get(consultation.stage)
    missing = open_criteria(stage, ticked)
    if stage is not None and not missing:
        return None
    if not access.coordinator:
        return _(
            "Centang semua kriteria tahap ini dulu. Bila tahap perlu dilewati, koordinator "
            "dapat memindahkannya dengan alasan tertulis."
        )
    if not (override_reason or "").strip():
        return _(
            "Masih ada kriteria yang belum dicentang: tulis alasan untuk melanjutkan tanpa "
            "kriteria itu."
        )
    return None


def can_update_action(access: CaseAccess, item: ActionItem, user: Any) -> bool:
    """The owner marks their own item done; the case's staff change any."""
    return access.staff or item.owner_id == getattr(user, "id", None)


def can_answer_follow_up(user: Any, follow_up: Any, is_coordinator: bool) -> bool:
    """The innovator asked, or a coordinator of the region writing down their answer."""
    return follow_up.user_id == getattr(user, "id", None) or is_coordinator
