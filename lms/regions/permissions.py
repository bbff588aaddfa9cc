"""Who may do what in a region: plain predicates over what a visitor holds there."""

from __future__ import annotations

from typing import Any

from lms.i18n import gettext as _
from lms.regions.access import RegionAccess
from lms.regions.models import RegionMembership


def can_manage_region(access: RegionAccess) -> bool:
    """Offices, imports and role changes: the agency's coordinators (and admins)."""
    return access.manages


def can_act_for_office(access: RegionAccess, office_id: int | None) -> bool:
    """Coordinators act for every office; an operator only for their own."""
    return access.manages or (office_id is not None and office_id in access.office_ids)


def why_not_remove(user: Any, membership: RegionMembership) -> str | None:
    """Coordinators cannot drop their own coordinator role (a region would lose its last)."""
    if membership.user_id == user.id and membership.role == "coordinator" and not user.is_admin:
        return _("Anda tidak dapat mencabut peran koordinator Anda sendiri.")
    return None
