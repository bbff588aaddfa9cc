"""Who may do what to an innovation, and which workflow step is allowed from which state.

``access`` is what the visitor holds in the innovation's region (lms.regions.access): a
coordinator (or an admin) acts on every office's innovations, an office operator on their own
office's only, a leader reads.
"""

from __future__ import annotations

from typing import Any

from lms.i18n import gettext as _
from lms.innovations.display import state_label
from lms.innovations.models import Innovation
from lms.regions.access import RegionAccess
from lms.regions.permissions import can_act_for_office

#: step -> (the states it starts from, the state it leads to). Nothing else moves the state.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft", "revisions_requested"), "submitted"),
    "verify": (("submitted",), "verified"),
    "request_revisions": (("submitted",), "revisions_requested"),
    "archive": (("verified",), "archived"),
}
#: States in which the profile, files and innovators can be changed.
EDITABLE_STATES = ("draft", "revisions_requested")
#: The roles that see the registry of a region.
READER_ROLES = ("coordinator", "office_operator", "leader")
WRITER_ROLES = ("coordinator", "office_operator")


def can_read(access: RegionAccess, innovation: Innovation) -> bool:
    """Coordinators and leaders read every office's innovations; an operator their office's."""
    return access.has("leader") or can_act_for_office(access, innovation.office_id)


def can_create(access: RegionAccess) -> bool:
    return access.manages or bool(access.office_ids)


def can_edit(access: RegionAccess, innovation: Innovation) -> bool:
    """The office's operator or a coordinator (the state may still refuse: why_not_edit)."""
    return can_act_for_office(access, innovation.office_id)


def can_submit(access: RegionAccess, innovation: Innovation) -> bool:
    return can_act_for_office(access, innovation.office_id)


def can_verify(access: RegionAccess, innovation: Innovation) -> bool:
    return access.manages


def can_request_revisions(access: RegionAccess, innovation: Innovation) -> bool:
    return access.manages


def can_archive(access: RegionAccess, innovation: Innovation) -> bool:
    return access.manages


def can_publish(access: RegionAccess, innovation: Innovation) -> bool:
    """The catalogue page, and whose names it shows: the coordinator's choice."""
    return access.manages


def can_confirm(access: RegionAccess, innovation: Innovation) -> bool:
    """The yearly "masih berjalan?" answer: the office's operator or a coordinator."""
    return can_act_for_office(access, innovation.office_id)


def can_take(step: str, access: RegionAccess, innovation: Innovation) -> bool:
    return {
        "submit": can_submit,
        "verify": can_verify,
        "request_revisions": can_request_revisions,
        "archive": can_archive,
    }[step](access, innovation)


def why_not(step: str, innovation: Innovation) -> str | None:
    """Why ``step`` cannot be taken from the innovation's current state; None when it can."""
    starts, _target = TRANSITIONS[step]
    if innovation.state in starts:
        return None
    state = state_label(innovation.state)
    if step == "submit":
        if innovation.state == "submitted":
            return _("Inovasi ini sudah diajukan dan sedang menunggu verifikasi koordinator.")
        return _(
            "Inovasi berstatus %(state)s tidak dapat diajukan. Yang dapat diajukan hanya draf "
            "atau inovasi yang diminta perbaikan.",
            state=state,
        )
    if step == "verify":
        return _(
            "Inovasi berstatus %(state)s tidak dapat diverifikasi; yang dapat diverifikasi "
            "hanya inovasi yang sudah diajukan.",
            state=state,
        )
    if step == "request_revisions":
        return _(
            "Perbaikan hanya dapat diminta untuk inovasi yang sudah diajukan; status inovasi "
            "ini %(state)s.",
            state=state,
        )
    return _(
        "Hanya inovasi yang sudah diverifikasi yang dapat dihentikan; status inovasi ini "
        "%(state)s.",
        state=state,
    )


def why_not_edit(innovation: Innovation) -> str | None:
    if innovation.state in EDITABLE_STATES:
        return None
    if innovation.state == "submitted":
        return _(
            "Inovasi ini sedang diverifikasi koordinator; isinya dapat diubah lagi bila "
            "koordinator meminta perbaikan."
        )
    return _(
        "Inovasi berstatus %(state)s tidak dapat diubah lagi.",
        state=state_label(innovation.state),
    )


def why_not_publish(innovation: Innovation) -> str | None:
    if innovation.state == "verified":
        return None
    return _(
        "Hanya inovasi yang sudah diverifikasi yang dapat tampil di katalog; status inovasi "
        "ini %(state)s.",
        state=state_label(innovation.state),
    )


def why_not_confirm(innovation: Innovation) -> str | None:
    if innovation.state == "verified":
        return None
    return _("Konfirmasi tahunan hanya untuk inovasi yang sudah diverifikasi.")


def why_not_advance(innovation: Innovation) -> str | None:
    """The stage moves on after verification too (a trial becomes an implementation)."""
    if innovation.state == "archived":
        return _("Inovasi yang sudah dihentikan tidak dapat berpindah tahapan.")
    return None


# --- a class proposal becoming an innovation ----------------------------------------------


def can_promote(user: Any, membership: Any, submission: Any) -> bool:
    """The participant whose proposal it is, the class's organizers and admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if membership is None or membership.cohort_id != submission.assignment.cohort_id:
        return False
    if membership.role == "organizer":
        return True
    return membership.role == "participant" and submission.user_id == user.id
