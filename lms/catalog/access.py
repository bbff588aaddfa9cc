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
def _statements() -> tuple[Any, Any]:
    """(the course of :slug, whether :user_id is a member of a class following :course_id):
    built once per process, executed on every course page."""
    course = sa.select(Course).where(Course.slug == sa.bindparam("slug"))
    follows = (
        sa.select(CohortCourse.id)
        .join(Membership, Membership.cohort_id == CohortCourse.cohort_id)
        .where(
            CohortCourse.course_id == sa.bindparam("course_id"),
            Membership.user_id == sa.bindparam("user_id"),
        )
        .limit(1)
    )
    return course, follows


def course_member(view: Callable) -> Callable:
    """Members (any role) of a cohort that follows the course in the URL (``course_slug``);
    admins too. The course is put on ``g.course``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_redirect()
        by_slug, following = _statements()
        course = db.session.scalar(by_slug, {"slug": kwargs["course_slug"]})
        if course is None:
            abort(404)
        if not current_user.is_admin:
            follows = db.session.scalar(
                following, {"course_id": course.id, "user_id": current_user.id}
            )
            if follows is None:
                abort(403)
        g.course = course
        return view(*args, **kwargs)

    return declare_rule(wrapper, "course")
