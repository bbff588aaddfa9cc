"""Who may do what with the index, and why a change is refused.

``access`` is what the visitor holds in the region (lms.regions.access). Coordinators (and
admins) act on every office's innovations and on the region's own indicators; an office
operator on their own office's innovations only; leaders read everything. Verified levels are
the coordinator's alone.
"""

from __future__ import annotations

from lms.i18n import gettext as _
from lms.iid.models import Evidence
from lms.iid.rules import RuleSet
from lms.innovations.models import Innovation
from lms.regions.access import RegionAccess
from lms.regions.permissions import can_act_for_office

#: Who reads an innovation's evidence and the year's list (an operator: their office's).
READER_ROLES = ("coordinator", "office_operator", "leader")
#: Who changes an innovation's evidence (an operator: their office's).
WRITER_ROLES = ("coordinator", "office_operator")
#: Who reads the region's score, its own indicators and the exports.
SCORE_ROLES = ("coordinator", "leader")


def can_read(access: RegionAccess, innovation: Innovation) -> bool:
    return access.has("leader") or can_act_for_office(access, innovation.office_id)


def can_edit(access: RegionAccess, innovation: Innovation | None) -> bool:
    """An innovation's claims and documents: its office's operator or a coordinator; the
    region's own indicators: coordinators only."""
    if innovation is None:
        return access.manages
    return can_act_for_office(access, innovation.office_id)


def can_verify(access: RegionAccess) -> bool:
    return access.manages


def can_copy_forward(access: RegionAccess) -> bool:
    return access.manages or bool(access.office_ids)


def can_set_stored_index(access: RegionAccess) -> bool:
    return access.manages


def why_not_enter(innovation: Innovation) -> str | None:
    if innovation.state == "archived":
        return _("Inovasi yang sudah dihentikan tidak dapat dilaporkan lagi.")
    return None


def why_not_claim(evidence: Evidence) -> str | None:
    """A verified level is the coordinator's answer to the claim: the claim stays as it was."""
    if evidence.verified_level is not None:
        return _(
            "Tingkat ini sudah diverifikasi koordinator, jadi klaimnya tidak diubah lagi. "
            "Koordinator dapat membuka verifikasinya bila klaim perlu diubah."
        )
    return None


def document_kinds(rules: RuleSet, code: str) -> tuple[str, ...]:
    """The evidence kinds an indicator takes (any of its evidence items), in the rules' order."""
    ind = rules.indicator(code)
    wanted = {k for item in ind.evidence for k in item.kinds}
    if not wanted:  # an indicator whose evidence is not described: any document
        wanted = {"pdf", "image"} & {k.key for k in rules.evidence_kinds} or {
            k.key for k in rules.evidence_kinds
        }
    return tuple(k.key for k in rules.evidence_kinds if k.key in wanted)
