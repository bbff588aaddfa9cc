"""The route rule of course pages: members of a class that follows the course."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from lms.catalog.models import CohortCourse, Course
from lms.cohorts.models import Membership
from lms.extensions import db
from lms.security import declare_rule, login_redirect


@cache
def _statement() -> Any:
    """The course of :slug and whether :user_id is a member of a class following it, in one
    statement (every course page and each of a lesson's images runs it): built once per
    process."""
    follows = (
        sa.select(CohortCourse.id)
        .join(Membership, Membership.cohort_id == CohortCourse.cohort_id)
        .where(
            CohortCourse.course_id == Course.id,
            Membership.user_id == sa.bindparam("user_id"),
        )
        .exists()
    )
    return sa.select(Course, follows.label("follows")).where(Course.slug == sa.bindparam("slug"))


def course_member(view: Callable) -> Callable:
    """Members (any role) of a cohort that follows the course in the URL (``course_slug``);
    admins too. The course is put on ``g.course``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_redirect()
        row = db.session.execute(
            _statement(), {"slug": kwargs["course_slug"], "user_id": current_user.id}
        ).first()
        if row is None:
            abort(404)
        course, follows = row
        if not (follows or current_user.is_admin):
            abort(403)
        g.course = course
        return view(*args, **kwargs)

    return declare_rule(wrapper, "course")
