"""Route access rules, safe redirects and response headers.

Every view carries an ``access_rule`` attribute set by one of the decorators below;
``tests/test_access_matrix.py`` fails for any route without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from lms.extensions import db

#: Endpoints whose rule is "public" but which Flask creates itself (static files).
PUBLIC_ENDPOINT_SUFFIXES = ("static",)


def _mark(view: Callable, rule: str) -> Callable:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def _login_redirect():
    return redirect(url_for("lms.accounts.login", next=request.full_path.rstrip("?")))


def writes_on_get(view: Callable) -> Callable:
    """A GET that records something: its SQLite transaction takes the write lock up front."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    return _mark(view, "public")


def login_required(view: Callable) -> Callable:
    """Any logged-in person; what they see is limited by the view itself."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return _login_redirect()
        return view(*args, **kwargs)

    return _mark(wrapper, "login")


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return _login_redirect()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapper, "admin")


def cohort_role(*roles: str) -> Callable[[Callable], Callable]:
    """Members of the cohort in the URL (``cohort_id``) holding one of ``roles``; admins too.

    The cohort and the membership are put on ``g.cohort`` and ``g.membership``.
    """
    from lms.cohorts.models import Cohort, Membership

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return _login_redirect()
            cohort = db.get_or_404(Cohort, kwargs["cohort_id"])
            membership = db.session.scalar(
                db.select(Membership).filter_by(cohort_id=cohort.id, user_id=current_user.id)
            )
            if not current_user.is_admin and (membership is None or membership.role not in roles):
                abort(403)
            g.cohort, g.membership = cohort, membership
            return view(*args, **kwargs)

        return _mark(wrapper, "cohort:" + ",".join(roles))

    return decorator


def course_member(view: Callable) -> Callable:
    """Members (any role) of a cohort that follows the course in the URL (``course_slug``);
    admins too. The course is put on ``g.course``."""
    from lms.catalog.models import CohortCourse, Course
    from lms.cohorts.models import Membership

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return _login_redirect()
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

    return _mark(wrapper, "course")


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return False
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target.strip() if is_safe_next(target) else default


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("LMS_HTTPS"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def roles_in(user: Any, cohort_id: int, roles: Iterable[str]) -> bool:
    from lms.cohorts.models import Membership

    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    role = db.session.scalar(
        db.select(Membership.role).filter_by(cohort_id=cohort_id, user_id=user.id)
    )
    return role in tuple(roles)
