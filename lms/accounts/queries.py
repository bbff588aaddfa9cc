"""Reads of the account pages: the admin's list of people."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.cohorts.models import Membership
from lms.extensions import db


@functools.cache
def _signed_in_statement() -> Any:
    """The account and its unread notifications' count (for the bell of the page header, see
    lms.notifications.views.bell_count): built once per process, executed per request."""
    from lms.notifications.queries import unread_count_of

    return sa.select(User, unread_count_of(User.id).label("unread")).where(
        User.id == sa.bindparam("user_id")
    )


def signed_in(user_id: int) -> User | None:
    """The account of a session (Flask-Login's user loader) in one query with what every
    page header shows of it: its unread count is kept on ``g`` for this request."""
    row = db.session.execute(_signed_in_statement(), {"user_id": user_id}).first()
    if row is None:
        return None
    user, unread = row
    g.lms_unread = (user.id, unread or 0)
    return user


def unread_loaded(user: Any) -> int | None:
    """The unread count loaded with ``user`` in this request (None: not loaded with it)."""
    loaded = g.get("lms_unread")
    return loaded[1] if loaded is not None and loaded[0] == user.id else None


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
