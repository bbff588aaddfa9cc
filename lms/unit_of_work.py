"""One unit of work per request: the view writes through operations, this commits once.

    @bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
    @cohort_role("organizer")
    @unit_of_work(render=_edit_page)
    def edit(cohort_id):
        form = CohortForm(obj=g.cohort)
        if form.validate_on_submit():
            operations.update_cohort(g.cohort, form.data, actor=current_user)
            flash(...)
            return redirect(...)
        return _edit_page(None, cohort_id, form=form)

- The view returns: a response below 400 is committed, 400 and above is rolled back (a form
  shown again with errors never leaves half a write behind).
- The view (or the commit) raises a ``DomainError`` or a ``Conflict`` — a stale lock version
  or a unique row a concurrent request created count as a conflict: everything is rolled
  back, then ``render(problem, **view_args)`` shows the page again with the message. A
  FlaskForm made there binds ``request.form`` again, so what the user typed is kept.
  Without ``render`` the message is flashed and the browser goes ``back`` (an endpoint, or a
  callable of the view's arguments returning a URL; by default the page it came from).
- Anything else is rolled back and raised (a 500 with its request id).
- ``on_commit(fn)`` runs ``fn`` after the commit succeeded (e-mail, queued jobs), never on a
  rolled-back request.
- ``return drawn_after_commit(page)``: the view's work is committed first, then ``page()``
  makes the response from the objects as they were committed (not expired, so it reads
  nothing again). For a write that many people make at once (a room checking in): on SQLite
  the write lock is held only for the writing, not while the page is drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import gettext as _

log = logging.getLogger("lms.unit_of_work")

__all__ = ["drawn_after_commit", "on_commit", "unit_of_work", "problem_from"]


def problem_from(exc: BaseException) -> DomainError | None:
    """The user-facing problem an exception stands for, or None for a real failure."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, StaleDataError):
        return Conflict()
    if isinstance(exc, IntegrityError):
        # A unique row written by a concurrent request between our read and our insert.
        log.warning("integrity error answered as a conflict: %s", exc.orig)
        return Conflict()
    return None


def on_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` once this request's unit of work has committed."""
    g.setdefault("lms_on_commit", []).append(callback)


class _DrawnAfterCommit:
    __slots__ = ("page",)

    def __init__(self, page: Callable[[], Any]) -> None:
        self.page = page


def drawn_after_commit(page: Callable[[], Any]) -> Any:
    """What a view returns to have ``page()`` make its response after the commit."""
    return _DrawnAfterCommit(page)


def _commit_keeping_objects() -> None:
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _run_after_commit() -> None:
    for callback in g.pop("lms_on_commit", []):
        try:
            callback()
        except Exception:  # the commit stands; the callback's own retry handles the rest
            log.exception("after-commit callback failed")


def _rollback() -> None:
    g.pop("lms_on_commit", None)
    db.session.rollback()


def _back_url(back: str | Callable[..., str] | None, view_args: dict[str, Any]) -> str | None:
    if callable(back):
        return back(**view_args)
    if back:
        arguments = set().union(*(r.arguments for r in current_app.url_map.iter_rules(back)))
        return url_for(back, **{k: v for k, v in view_args.items() if k in arguments})
    from lms.security import is_safe_next

    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host + "/") and is_safe_next(referrer[len(host) :]):
        return referrer[len(host) :]
    return None


def _answer(
    problem: DomainError,
    render: Callable[..., Any] | None,
    back: str | Callable[..., str] | None,
    view_args: dict[str, Any],
):
    if render is not None:
        response = current_app.make_response(render(problem, **view_args))
        if response.status_code < 400:
            response.status_code = problem.status
        return response
    target = _back_url(back, view_args)
    if target is None:
        title = _("Perubahan tidak disimpan")
        html = render_template("core/error.html", title=title, message=problem.message)
        return current_app.make_response((html, problem.status))
    flash(problem.message, "error")
    return redirect(target)


def unit_of_work(
    view: Callable | None = None,
    *,
    render: Callable[..., Any] | None = None,
    back: str | Callable[..., str] | None = None,
) -> Any:
    """Mark a view as writing; see the module's docstring for what happens when."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any):
            try:
                result = fn(*args, **kwargs)
                if isinstance(result, _DrawnAfterCommit):
                    _commit_keeping_objects()
                    response = None
                else:
                    response = current_app.make_response(result)
                    if response.status_code >= 400:
                        _rollback()
                        return response
                    db.session.commit()
            except Exception as exc:
                _rollback()
                problem = problem_from(exc)
                if problem is None:
                    raise
                return _answer(problem, render, back, kwargs)
            _run_after_commit()
            if response is None:
                response = current_app.make_response(result.page())
            return response

        wrapper.unit_of_work = True  # type: ignore[attr-defined]
        return wrapper

    if view is not None:
        return decorator(view)
    return decorator
