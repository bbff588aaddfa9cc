"""Reads of notifications: the bell's count and a person's list."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa

from lms.extensions import db
from lms.notifications.models import Notification
from lms.paging import Page, page_for

PER_PAGE = 30


def unread_count_of(user_id: Any) -> Any:
    """The COUNT of unread notifications of ``user_id`` (a column or a bound parameter), as
    a scalar subquery (ix_lms_notification_unread): the user loader selects it with the user
    (lms.accounts.queries.signed_in), so the bell costs no query of its own."""
    return (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_dt.is_(None))
        .scalar_subquery()
    )


@functools.cache
def _unread_statement() -> Any:
    # Built once per process: a request only executes it.
    return sa.select(unread_count_of(sa.bindparam("user_id")))


def unread_count(user: Any) -> int:
    """One indexed COUNT (ix_lms_notification_unread)."""
    return db.session.scalar(_unread_statement(), {"user_id": user.id}) or 0


def page_of(user: Any, wanted: int) -> tuple[list[Notification], Page]:
    """A page of the person's notifications, newest first (two queries)."""
    stmt = db.select(Notification).where(Notification.user_id == user.id)
    page = page_for(stmt, wanted, PER_PAGE, Notification.id)
    rows = db.session.scalars(
        page.window(stmt.order_by(Notification.created_dt.desc(), Notification.id.desc()))
    )
    return list(rows), page


def own(user: Any, notification_id: int) -> Notification | None:
    note = db.session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user.id else None
