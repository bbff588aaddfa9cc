"""Reads of the account pages: the admin's list of people."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context, has_request_context, request
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.cohorts.models import Membership
from lms.extensions import db


@functools.cache
def _signed_in_statement(with_cohort: bool) -> Any:
    """The account with its unread notifications' count (the bell of every page header, see
    lms.notifications.views.bell_count) and whether it holds any region role or has any
    clinic case (indexed EXISTS: most people have neither, and then the dashboard skips both
    of its queries for them); ``with_cohort``: also the class :cohort_id and the account's
    membership of it (outer-joined: the class page's rule, lms.cohorts.access, needs them
    next). Built once per process, executed per request."""
    from lms.clinic.queries import has_cases
    from lms.cohorts.models import Cohort
    from lms.notifications.queries import unread_count_of
    from lms.regions.queries import has_roles

    query = sa.select(
        User,
        unread_count_of(User.id).label("unread"),
        has_roles(User.id).label("in_regions"),
        has_cases(User.id).label("in_clinic"),
    )
    if with_cohort:
        joined = sa.outerjoin(User, Cohort, Cohort.id == sa.bindparam("cohort_id")).outerjoin(
            Membership, (Membership.cohort_id == Cohort.id) & (Membership.user_id == User.id)
        )
        query = query.add_columns(Cohort, Membership).select_from(joined)
    return query.where(User.id == sa.bindparam("user_id"))


def _cohort_in_url() -> int | None:
    """The class a class page's URL names (``cohort_id``), if any."""
    if not has_request_context():
        return None
    cohort_id = (request.view_args or {}).get("cohort_id")
    return cohort_id if isinstance(cohort_id, int) else None


def signed_in(user_id: int) -> User | None:
    """The account of a session (Flask-Login's user loader) in one query with what pages
    ask of it on every visit: kept on ``g`` for this request (:func:`loaded_with`); on a
    class page, with the class and the membership (:func:`class_loaded_with`)."""
    cohort_id = _cohort_in_url()
    params = {"user_id": user_id, "cohort_id": cohort_id}
    row = db.session.execute(_signed_in_statement(cohort_id is not None), params).first()
    if row is None:
        return None
    user, unread, in_regions, in_clinic, *of_class = row
    g.lms_signed_in = (
        user.id,
        {"unread": unread or 0, "in_regions": bool(in_regions), "in_clinic": bool(in_clinic)},
    )
    if of_class:
        g.lms_class_loaded = (user.id, cohort_id, *of_class)
    return user


def class_loaded_with(user_id: int, cohort_id: int) -> tuple[Any, Any] | None:
    """(cohort or None, membership or None) as the user loader selected them with the
    account ``user_id`` for the class ``cohort_id`` in this request; None: not loaded so."""
    loaded = g.get("lms_class_loaded") if has_app_context() else None
    if loaded is None or loaded[:2] != (user_id, cohort_id):
        return None
    return loaded[2], loaded[3]


def loaded_with(user: Any, key: str) -> Any:
    """What the user loader selected with ``user`` in this request: ``unread`` (int),
    ``in_regions`` or ``in_clinic`` (bool), as they were when the request began (a view that
    writes them reads them again); None when ``user`` was not loaded that way."""
    loaded = g.get("lms_signed_in") if has_app_context() else None
    return loaded[1][key] if loaded is not None and loaded[0] == user.id else None


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
