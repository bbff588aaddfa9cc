"""The route rule of course pages: members of a class that follows the course."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g
from flask_login import current_user

from lms.catalog.models import CohortCourse, Course
from lms.cohorts.models import Membership
from lms.extensions import db
from lms.security import declare_rule, login_redirect


def course_member(view: Callable) -> Callable:
    """Members (any role) of a cohort that follows the course in the URL (``course_slug``);
    admins too. The course is put on ``g.course``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_redirect()
        course = db.first_or_404(db.select(Course).filter_by(slug=kwargs["course_slug"]))
        if not current_user.is_admin:
            follows = db.session.scalar(
                db.select(CohortCourse.id)
                .join(Membership, Membership.cohort_id == CohortCourse.cohort_id)
                .where(CohortCourse.course_id == course.id, Membership.user_id == current_user.id)
                .limit(1)
            )
            if follows is None:
                abort(403)
        g.course = course
        return view(*args, **kwargs)

    return declare_rule(wrapper, "course")
