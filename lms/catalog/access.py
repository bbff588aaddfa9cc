"""The route rule of course pages: members of a class that follows the course."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from lms.accounts.queries import course_loaded_with
from lms.catalog.models import CohortCourse, Course
from lms.cohorts.models import Membership
from lms.extensions import db
from lms.security import declare_rule, login_redirect


def follows_course(user_id: Any) -> Any:
    """EXISTS: ``user_id`` (a column or a bound parameter) is a member of a class that
    follows the course of the statement (``Course``)."""
    return (
        sa.select(CohortCourse.id)
        .join(Membership, Membership.cohort_id == CohortCourse.cohort_id)
        .where(CohortCourse.course_id == Course.id, Membership.user_id == user_id)
        .exists()
    )


@cache
def _statement() -> Any:
    """The course of :slug and whether :user_id follows it, in one statement, when the user
    loader did not select them (lms.accounts.queries.course_loaded_with): built once per
    process."""
    return sa.select(Course, follows_course(sa.bindparam("user_id")).label("follows")).where(
        Course.slug == sa.bindparam("slug")
    )


def course_member(view: Callable) -> Callable:
    """Members (any role) of a cohort that follows the course in the URL (``course_slug``);
    admins too. The course is put on ``g.course``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_redirect()
        slug = kwargs["course_slug"]
        row = course_loaded_with(current_user.id, slug)
        if row is None:
            row = db.session.execute(
                _statement(), {"slug": slug, "user_id": current_user.id}
            ).first()
        if row is None or row[0] is None:
            abort(404)
        course, follows = row
        if not (follows or current_user.is_admin):
            abort(403)
        g.course = course
        return view(*args, **kwargs)

    return declare_rule(wrapper, "course")
