"""The route rule of every region page: people holding a role in the region in the URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from lms.extensions import db
from lms.regions.models import Region, RegionMembership
from lms.security import declare_rule, login_redirect


@dataclass
class RegionAccess:
    """What the visitor holds in ``g.region``: their roles and, as operator, their offices."""

    roles: set[str] = field(default_factory=set)
    office_ids: set[int] = field(default_factory=set)
    is_admin: bool = False

    def has(self, *roles: str) -> bool:
        return self.is_admin or bool(self.roles.intersection(roles))

    @property
    def manages(self) -> bool:
        """Coordinators (and admins) act on every office's records."""
        return self.has("coordinator")


def region_access(region: Region, user: Any) -> RegionAccess:
    if not getattr(user, "is_authenticated", False):
        return RegionAccess()
    rows = db.session.execute(
        db.select(RegionMembership.role, RegionMembership.office_id).where(
            RegionMembership.region_id == region.id, RegionMembership.user_id == user.id
        )
    ).all()
    return RegionAccess(
        roles={role for role, _office in rows},
        office_ids={office for role, office in rows if office is not None},
        is_admin=bool(user.is_admin),
    )


@cache
def _region_and_roles() -> Any:
    """The region :code with each role (and office) :user_id holds there, one row per role
    (one row of NULLs for none): built once per process, executed on every region page."""
    return (
        sa.select(Region, RegionMembership.role, RegionMembership.office_id)
        .outerjoin(
            RegionMembership,
            (RegionMembership.region_id == Region.id)
            & (RegionMembership.user_id == sa.bindparam("user_id")),
        )
        .where(Region.code == sa.bindparam("code"))
    )


def region_and_access(code: str, user: Any) -> tuple[Region, RegionAccess]:
    """The region of the URL and what ``user`` (logged in) holds there, in one query; 404 for
    no such region."""
    rows = db.session.execute(_region_and_roles(), {"code": code, "user_id": user.id}).all()
    if not rows:
        abort(404)
    return rows[0][0], RegionAccess(
        roles={role for _region, role, _office in rows if role is not None},
        office_ids={office for _region, role, office in rows if office is not None},
        is_admin=bool(user.is_admin),
    )


def region_role(*roles: str) -> Callable[[Callable], Callable]:
    """People holding one of ``roles`` in the region in the URL (``region_code``); admins too.

    The region is put on ``g.region`` and what the visitor holds there on ``g.access``.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_redirect()
            region, access = region_and_access(kwargs["region_code"], current_user)
            if not access.has(*roles):
                abort(403)
            g.region, g.access = region, access
            return view(*args, **kwargs)

        return declare_rule(wrapper, "region:" + ",".join(roles))

    return decorator
