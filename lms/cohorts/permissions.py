"""Who may do what in a cohort: plain predicates over a user and a cohort."""

from __future__ import annotations

from typing import Any

from lms.security import roles_in


def can_view(user: Any, cohort: Any) -> bool:
    return roles_in(user, cohort.id, ("participant", "trainer", "organizer"))


def can_see_members(user: Any, cohort: Any) -> bool:
    return roles_in(user, cohort.id, ("trainer", "organizer"))


def can_manage(user: Any, cohort: Any) -> bool:
    return roles_in(user, cohort.id, ("organizer",))


def can_create(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)
