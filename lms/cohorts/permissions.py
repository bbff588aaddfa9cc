"""Who may do what in a cohort: plain predicates over a user and a cohort; what an existing
account takes from an organizer's data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lms.accounts.civil_service import guess_status, rank_problem, sex_problem
from lms.cohorts.models import MEMBER_ROLES, STAFF_ROLES, Membership
from lms.extensions import db
from lms.i18n import gettext as _


def roles_in(user: Any, cohort_id: int, roles: Iterable[str]) -> bool:
    """The user holds one of ``roles`` in the cohort (admins always do)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    role = db.session.scalar(
        db.select(Membership.role).filter_by(cohort_id=cohort_id, user_id=user.id)
    )
    return role in tuple(roles)


def can_view(user: Any, cohort: Any) -> bool:
    return roles_in(user, cohort.id, MEMBER_ROLES)


def can_see_members(user: Any, cohort: Any) -> bool:
    return roles_in(user, cohort.id, STAFF_ROLES)


def can_manage(user: Any, cohort: Any) -> bool:
    return roles_in(user, cohort.id, ("organizer",))


def can_create(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)


def why_not_change_role(user: Any, membership: Membership, role: str) -> str | None:
    """Organizers cannot step down themselves (a class would lose its last organizer)."""
    if membership.user_id == user.id and role != "organizer" and not user.is_admin:
        return _("Anda tidak dapat mengubah peran Anda sendiri sebagai panitia.")
    return None


def why_not_remove(user: Any, membership: Membership) -> str | None:
    if membership.user_id == user.id and not user.is_admin:
        return _("Anda tidak dapat mengeluarkan diri sendiri.")
    return None


def profile_fill(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The part of an organizer's ``data`` (added or imported) an existing account takes: its
    empty fields only. A number it lacked brings that number's status; a rank is taken only
    when it fits the status the account will have."""
    fill = {
        key: value
        for key, value in data.items()
        if key != "employment_status" and value and not getattr(user, key)
    }
    if "nip" in fill:
        fill["employment_status"] = data.get("employment_status") or guess_status(
            fill["nip"], data.get("rank")
        )
    status = fill.get("employment_status", user.employment_status)
    if "rank" in fill and rank_problem(status, fill["rank"]):
        del fill["rank"]
    return fill


def why_not_fill(user: Any, data: dict[str, Any]) -> str | None:
    """Why the account's profile would no longer fit together once filled from ``data`` (its
    rank or sex against a number it did not have), or None."""
    fill = profile_fill(user, data)
    if not fill:
        return None

    def now(key: str) -> Any:
        return fill.get(key, getattr(user, key))

    status = now("employment_status")
    return rank_problem(status, now("rank")) or sex_problem(status, now("nip"), now("sex"))


def can_link_region(user: Any, region_id: int | None) -> bool:
    """Tying a class to a region (or untying it) shares its people's offices and work with the
    region's staff: admins, and coordinators of that region, decide it. Commands (no user) may."""
    if region_id is None or user is None or getattr(user, "is_admin", False):
        return True
    from lms.regions.models import RegionMembership

    return (
        db.session.scalar(
            db.select(RegionMembership.id).filter_by(
                region_id=region_id, user_id=user.id, role="coordinator"
            )
        )
        is not None
    )
