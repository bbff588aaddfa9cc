"""Reads of the account pages: the admin's list of people."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context, has_request_context, request
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.cohorts.models import Membership
from lms.extensions import db


@dataclass(frozen=True)
class _PageColumns:
    columns: Callable[[Any], dict[str, Any]]
    params: Callable[[], dict[str, Any]]
    joins: Callable[[Any], Any] | None = None


#: endpoint -> what its page has the user loader select with the account.
_PAGE_COLUMNS: dict[str, _PageColumns] = {}


def select_with_account(
    endpoint: str,
    columns: Callable[[Any], dict[str, Any]],
    params: Callable[[], dict[str, Any]] = dict,
    joins: Callable[[Any], Any] | None = None,
) -> None:
    """Have the user loader select a page's own values with the account on requests for
    ``endpoint``, instead of the page running a statement of its own: ``columns(user_id)``
    gives ``{key: scalar expression}`` on the bound account id (``lms.db.json_rows`` for a
    list), built once per process; ``params()`` the values of any other bound parameter, per
    request; ``joins(from_clause)``: the account's FROM with what the columns read
    outer-joined to it (one row per account), and the columns may then be ORM entities
    (instances of the request's session, None where nothing joined). The page reads them
    with :func:`loaded_with` or :func:`loaded_for` (None when the account was not loaded so:
    another page, a host app's own user loader), and must then run the same expressions
    itself (:func:`select_page_columns`)."""
    _PAGE_COLUMNS[endpoint] = _PageColumns(columns, params, joins)
    _signed_in_statement.cache_clear()


def select_page_columns(endpoint: str, user_id: int) -> dict[str, Any]:
    """What the user loader would have selected for ``endpoint``'s page, in a statement."""
    page = _PAGE_COLUMNS[endpoint]
    columns = page.columns(sa.bindparam("user_id"))
    query = sa.select(*_selected(columns))
    if page.joins is not None:
        query = query.select_from(page.joins(User)).where(User.id == sa.bindparam("user_id"))
    row = db.session.execute(query, {"user_id": user_id, **page.params()}).one()
    return dict(zip(columns, row, strict=True))


def _selected(columns: dict[str, Any]) -> list[Any]:
    """A page's columns as a SELECT lists them: expressions labelled, entities as they are."""
    return [v.label(k) if isinstance(v, sa.ColumnElement) else v for k, v in columns.items()]


@functools.cache
def _signed_in_statement(
    with_cohort: bool, endpoint: str | None, with_course: bool = False
) -> tuple[Any, tuple[str, ...]]:
    """The account with its unread notifications' count (the bell of every page header, see
    lms.notifications.views.bell_count) and whether it holds any region role (an indexed
    EXISTS: most people hold none, and then the dashboard does not look them up);
    ``with_cohort``: also the class :cohort_id and the account's
    membership of it (outer-joined: the class page's rule, lms.cohorts.access, needs them
    next); ``with_course``: also the course of :course_slug and whether the account follows
    it (a course page's rule, lms.catalog.access); ``endpoint``: also that page's own columns
    (:func:`select_with_account`). Built once per process, executed per request; with the
    keys of the page's columns."""
    from lms.catalog.access import follows_course
    from lms.catalog.models import Course
    from lms.cohorts.models import Cohort
    from lms.notifications.queries import unread_count_of
    from lms.regions.queries import has_roles

    query = sa.select(
        User,
        unread_count_of(User.id).label("unread"),
        has_roles(User.id).label("in_regions"),
    )
    page = _PAGE_COLUMNS[endpoint].columns(sa.bindparam("user_id")) if endpoint else {}
    query = query.add_columns(*_selected(page))
    joined: Any = User
    if with_cohort:
        joined = sa.outerjoin(joined, Cohort, Cohort.id == sa.bindparam("cohort_id")).outerjoin(
            Membership, (Membership.cohort_id == Cohort.id) & (Membership.user_id == User.id)
        )
        query = query.add_columns(Cohort, Membership)
    if with_course:
        joined = sa.outerjoin(joined, Course, Course.slug == sa.bindparam("course_slug"))
        query = query.add_columns(Course, follows_course(User.id).label("follows"))
    joins = _PAGE_COLUMNS[endpoint].joins if endpoint else None
    if joins is not None:
        joined = joins(joined)
    if joined is not User:
        query = query.select_from(joined)
    return query.where(User.id == sa.bindparam("user_id")), tuple(page)


def _in_url(name: str, kind: type) -> Any:
    """The URL variable ``name`` of this request (``cohort_id`` of a class page,
    ``course_slug`` of a course page) when it is a ``kind``; None otherwise."""
    if not has_request_context():
        return None
    value = (request.view_args or {}).get(name)
    return value if isinstance(value, kind) else None


def signed_in(user_id: int) -> User | None:
    """The account of a session (Flask-Login's user loader) in one query with what pages
    ask of it on every visit: kept on ``g`` for this request (:func:`loaded_with`); on a
    class page, with the class and the membership (:func:`class_loaded_with`); on a page
    that asked for it, with that page's own columns (:func:`select_with_account`); on a course
    page, with the course and whether the account follows it (:func:`course_loaded_with`)."""
    cohort_id, course_slug = _in_url("cohort_id", int), _in_url("course_slug", str)
    params = {"user_id": user_id, "cohort_id": cohort_id, "course_slug": course_slug}
    endpoint = request.endpoint if has_request_context() else None
    page = _PAGE_COLUMNS.get(endpoint) if endpoint else None
    if page is not None:
        params.update(page.params())
    statement, keys = _signed_in_statement(
        cohort_id is not None, endpoint if page else None, course_slug is not None
    )
    row = db.session.execute(statement, params).first()
    if row is None:
        return None
    user, unread, in_regions, *rest = row
    loaded = {"unread": unread or 0, "in_regions": bool(in_regions)}
    loaded.update(zip(keys, rest[: len(keys)], strict=True))
    rest = rest[len(keys) :]
    g.lms_signed_in = (user.id, loaded, endpoint if page else None)
    if cohort_id is not None:
        g.lms_class_loaded = (user.id, cohort_id, *rest[:2])
        rest = rest[2:]
    if course_slug is not None:
        g.lms_course_loaded = (user.id, course_slug, *rest[:2])
    return user


def _loaded_for(name: str, user_id: int, value: Any) -> tuple[Any, Any] | None:
    """The two entities the user loader kept on ``g.<name>`` for the account ``user_id`` and
    the URL's ``value`` in this request; None: not loaded so."""
    loaded = g.get(name) if has_app_context() else None
    if loaded is None or loaded[:2] != (user_id, value):
        return None
    return loaded[2], loaded[3]


def class_loaded_with(user_id: int, cohort_id: int) -> tuple[Any, Any] | None:
    """(cohort or None, membership or None) as the user loader selected them with the
    account ``user_id`` for the class ``cohort_id`` in this request; None: not loaded so."""
    return _loaded_for("lms_class_loaded", user_id, cohort_id)


def course_loaded_with(user_id: int, course_slug: str) -> tuple[Any, bool] | None:
    """(course or None, whether the account follows it) as the user loader selected them
    with the account ``user_id`` for the course ``course_slug`` in this request; None: not
    loaded so."""
    loaded = _loaded_for("lms_course_loaded", user_id, course_slug)
    return None if loaded is None else (loaded[0], bool(loaded[1]))


def loaded_with(user: Any, key: str) -> Any:
    """What the user loader selected with ``user`` in this request: ``unread`` (int),
    ``in_regions`` (bool), as they were when the request began (a view that
    writes them reads them again), or a page's own column (:func:`select_with_account`);
    None when ``user`` was not loaded that way."""
    loaded = g.get("lms_signed_in") if has_app_context() else None
    return loaded[1].get(key) if loaded is not None and loaded[0] == user.id else None


def loaded_for(user: Any, endpoint: str) -> dict[str, Any] | None:
    """Every value the user loader selected with ``user`` for ``endpoint``'s page in this
    request (:func:`select_with_account`; a None among them is a NULL); None when it did not
    select them (another page, another user loader)."""
    loaded = g.get("lms_signed_in") if has_app_context() else None
    if loaded is None or loaded[0] != getattr(user, "id", None) or loaded[2] != endpoint:
        return None
    return loaded[1]


def unread_loaded(user: Any) -> int | None:
    """The unread count loaded with ``user`` in this request (None: not loaded with it)."""
    return loaded_with(user, "unread")


def search_users(query: str, limit: int = 500) -> list[User]:
    """People whose name, email or NIP holds ``query``, with their classes (two queries)."""
    stmt = db.select(User).options(selectinload(User.memberships).selectinload(Membership.cohort))
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            db.or_(
                db.func.lower(User.full_name).like(like),
                User.email.like(like),
                User.nip.like(f"%{query.replace(' ', '')}%"),
            )
        )
    return list(db.session.scalars(stmt.order_by(User.full_name).limit(limit)))
