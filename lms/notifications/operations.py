"""Notification writes: tell a person something (the bell, and an outbox e-mail when
``LMS_SMTP_*`` is set, sent after the commit), mark read. Each function flushes; the caller
commits."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_babel import force_locale

from lms.db import utcnow
from lms.extensions import db
from lms.i18n import gettext as _
from lms.notifications import kinds, mail
from lms.notifications.models import Notification, OutboxMessage
from lms.unit_of_work import on_commit


def _link(target: dict[str, Any]) -> str:
    """The page's public address for an e-mail ('' when it cannot be built here)."""
    from lms.urls import public_url

    if not target.get("endpoint"):
        return ""
    try:
        return public_url(target["endpoint"], **(target.get("values") or {}))
    except RuntimeError:  # outside a request without LMS_PUBLIC_URL: the text still helps
        return ""


def email_text(
    user: Any, kind: str, params: dict[str, Any], target: dict[str, Any]
) -> tuple[str, str]:
    """The subject and the plain-text body, in the recipient's language."""
    with force_locale(user.locale or "id"):
        title = kinds.title_of(kind, params)
        lines = [_("Yth. %(name)s,", name=user.full_name), "", title]
        body = kinds.body_of(kind, params)
        if body:
            lines += ["", body]
        link = _link(target)
        if link:
            lines += ["", _("Buka: %(link)s", link=link)]
        lines += [
            "",
            "-- ",
            _(
                "Pesan ini dikirim otomatis oleh Kelas Inovasi. Semua pemberitahuan Anda ada "
                "di halaman Notifikasi."
            ),
        ]
        return f"[Kelas Inovasi] {title}"[:300], "\n".join(lines)


def _send_after_commit(message_id: int) -> None:
    """Queue the row for the sender once this request's unit of work has committed (a
    command sends with ``mail.deliver()`` after its own commit). One callback per request
    sends every row the request wrote."""
    if not has_request_context():
        return
    callbacks = g.get("lms_on_commit", [])
    sender = next((c for c in callbacks if getattr(c, "lms_outbox_ids", None) is not None), None)
    if sender is None:
        ids: list[int] = []

        def sender() -> None:
            mail.deliver(ids)

        sender.lms_outbox_ids = ids  # type: ignore[attr-defined]
        on_commit(sender)
    sender.lms_outbox_ids.append(message_id)  # type: ignore[attr-defined]


def notify(
    user: Any,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    endpoint: str = "",
    values: dict[str, Any] | None = None,
    subject: str = "",
    email: bool = True,
) -> Notification:
    """One notification for ``user``; with e-mail configured, its message in the outbox."""
    params = dict(params or {})
    target = {"endpoint": endpoint, "values": dict(values or {})} if endpoint else {}
    note = Notification(
        user_id=user.id, kind=kind, params=params, target=target, subject=subject[:60]
    )
    db.session.add(note)
    db.session.flush()
    if email and mail.enabled() and getattr(user, "email", "") and getattr(user, "active", True):
        title, body = email_text(user, kind, params, target)
        message = OutboxMessage(
            channel="email",
            recipient_id=user.id,
            address=user.email,
            subject=title,
            body=body,
            notification_id=note.id,
            next_attempt_dt=utcnow(),
        )
        db.session.add(message)
        db.session.flush()
        _send_after_commit(message.id)
    return note


def mark_read(note: Notification) -> None:
    if note.read_dt is None:
        note.read_dt = utcnow()
        db.session.flush()


def mark_all_read(user: Any) -> int:
    result = db.session.execute(
        db.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        .values(read_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def mark_subject_read(user: Any, subject: str) -> int:
    """The person opened the page the notifications are about (one UPDATE, none when there
    is nothing unread)."""
    result = db.session.execute(
        db.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.subject == subject,
            Notification.read_dt.is_(None),
        )
        .values(read_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
