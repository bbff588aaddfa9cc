"""Reads of notifications: the bell's count and a person's list."""

from __future__ import annotations

from typing import Any

from lms.extensions import db
from lms.grading.queries.paging import Page
from lms.notifications.models import Notification

PER_PAGE = 30


def unread_count(user: Any) -> int:
    """One indexed COUNT (ix_lms_notification_unread)."""
    return (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_dt.is_(None)
            )
        )
        or 0
    )


def page_of(user: Any, wanted: int) -> tuple[list[Notification], Page]:
    """A page of the person's notifications, newest first (two queries)."""
    total = db.session.scalar(
        db.select(db.func.count(Notification.id)).where(Notification.user_id == user.id)
    )
    page = Page.of(wanted, total or 0, PER_PAGE)
    rows = db.session.scalars(
        db.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_dt.desc(), Notification.id.desc())
        .offset(page.offset)
        .limit(page.per_page)
    )
    return list(rows), page


def own(user: Any, notification_id: int) -> Notification | None:
    note = db.session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user.id else None
