"""The route rule of every class page: members of the class in the URL holding a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from lms.accounts.queries import class_loaded_with
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.security import declare_rule, login_redirect


@cache
def _statement() -> Any:
    """The cohort :cohort_id and the membership of :user_id: built once per process, executed
    on every class page (building and keying it cost about as much as running it)."""
    return (
        sa.select(Cohort, Membership)
        .outerjoin(
            Membership,
            (Membership.cohort_id == Cohort.id) & (Membership.user_id == sa.bindparam("user_id")),
        )
        .where(Cohort.id == sa.bindparam("cohort_id"))
    )


def cohort_and_membership(cohort_id: int, user_id: int) -> tuple[Cohort, Membership | None]:
    """The cohort and the user's membership of it in one query (none when the user loader
    selected them already); 404 for no such cohort."""
    row = class_loaded_with(user_id, cohort_id)
    if row is None:
        row = db.session.execute(_statement(), {"cohort_id": cohort_id, "user_id": user_id}).first()
    if row is None or row[0] is None:
        abort(404)
    return row[0], row[1]


def cohort_role(*roles: str) -> Callable[[Callable], Callable]:
    """Members of the cohort in the URL (``cohort_id``) holding one of ``roles``; admins too.

    The cohort and the membership are put on ``g.cohort`` and ``g.membership``.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_redirect()
            cohort, membership = cohort_and_membership(kwargs["cohort_id"], current_user.id)
            if not current_user.is_admin and (membership is None or membership.role not in roles):
                abort(403)
            g.cohort, g.membership = cohort, membership
            return view(*args, **kwargs)

        return declare_rule(wrapper, "cohort:" + ",".join(roles))

    return decorator
