"""The one sender of the outbox: every e-mail the LMS sends goes out here, after the commit of
the change it tells of.

smtplib from the standard library, wrapped small: the outbox already gives the retries and
the "never lost" promise, so Flask-Mail would only add a second set of settings. Another
channel (a WhatsApp gateway) is one more entry in ``SENDERS`` and the ``CHANNELS`` of the
outbox.

A row is claimed before it is sent (pending → sending, one UPDATE that only one process can
win), so the request that wrote it and ``flask lms mail retry`` never send it twice; a claim
left by a killed process is taken over after ``CLAIM_MINUTES``. A failure puts the row back to
pending with the next attempt 1, 2, 4 ... minutes later (at most ``MAX_BACKOFF``).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app

from lms.db import utcnow
from lms.extensions import db
from lms.notifications.models import OutboxMessage

log = logging.getLogger("lms.mail")

CLAIM_MINUTES = 10
MAX_BACKOFF = timedelta(hours=6)
TLS_MODES = ("starttls", "ssl", "none")
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


def enabled(config: Any = None) -> bool:
    """E-mail is sent when ``LMS_SMTP_HOST`` is set."""
    config = current_app.config if config is None else config
    return bool((config.get("LMS_SMTP_HOST") or "").strip())


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, capped."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Outgoing:
    """What a sender needs of an outbox row, read before the row's transaction ends."""

    id: int
    channel: str
    address: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, message: Outgoing) -> None: ...


class SmtpSender:
    """Sends one outbox row as a plain-text e-mail through ``LMS_SMTP_*``."""

    def __init__(self, config: Any) -> None:
        self.host = config.get("LMS_SMTP_HOST", "").strip()
        self.tls = (config.get("LMS_SMTP_TLS") or "starttls").strip().lower()
        if self.tls not in TLS_MODES:
            raise ValueError(f"LMS_SMTP_TLS is one of {', '.join(TLS_MODES)}, not {self.tls!r}")
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[self.tls]
        self.port = int(config.get("LMS_SMTP_PORT") or default_port)
        self.user = config.get("LMS_SMTP_USER") or ""
        self.password = config.get("LMS_SMTP_PASSWORD") or ""
        self.sender = config.get("LMS_SMTP_FROM") or "Kelas Inovasi <noreply@localhost>"
        self.timeout = float(config.get("LMS_SMTP_TIMEOUT") or 10)

    def email(self, message: Outgoing) -> EmailMessage:
        # Headers unfolded up to RFC 5322's hard limit: Python's folding of encoded words
        # doubles the space before them when read back.
        email = EmailMessage(policy=SMTP_POLICY)
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
        email["Message-ID"] = make_msgid(f"outbox-{message.id}", domain=domain)
        # Out-of-office replies should not answer a notification.
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.body)
        return email

    def send(self, message: Outgoing) -> None:
        context = ssl.create_default_context()
        if self.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.tls == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(self.email(message))


#: channel -> the sender of that channel, made from the app's config.
SENDERS: dict[str, Callable[[Any], Sender]] = {"email": SmtpSender}


@dataclass
class Report:
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed}"


def _claimable(now: datetime, *, every: bool = False) -> Any:
    """Rows one sender may take now: pending ones that are due (all pending ones with
    ``every``), and claims left behind by a sender that died."""
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    pending = OutboxMessage.state == "pending"
    if not every:
        pending = sa.and_(pending, OutboxMessage.next_attempt_dt <= now)
    return sa.or_(
        pending, sa.and_(OutboxMessage.state == "sending", OutboxMessage.claimed_dt < stale)
    )


def _claim(message_id: int, now: datetime, every: bool) -> bool:
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _claimable(now, every=every))
        .values(state="sending", claimed_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _failed(message: OutboxMessage, exc: Exception) -> None:
    message.attempts += 1
    message.state = "pending"
    message.claimed_dt = None
    message.next_attempt_dt = utcnow() + backoff(message.attempts)
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    db.session.commit()
    log.warning(
        "outbox message %s to %s failed (attempt %s, next at %s): %s",
        message.id,
        message.address,
        message.attempts,
        message.next_attempt_dt.isoformat(),
        message.last_error,
    )


def deliver(
    ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    every: bool = False,
    limit: int = 500,
) -> Report:
    """Send the due rows of the outbox (only ``ids`` when given; ``every`` pending row
    whatever its next attempt says). Commits its own small transactions: call it after the
    change that wrote the rows has committed."""
    now = now or utcnow()
    report = Report()
    if not enabled():
        return report
    stmt = (
        sa.select(OutboxMessage.id)
        .where(_claimable(now, every=every))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return report
        stmt = stmt.where(OutboxMessage.id.in_(wanted))
    candidates = list(db.session.scalars(stmt))
    db.session.commit()
    senders: dict[str, Sender] = {}
    for message_id in candidates:
        if not _claim(message_id, now, every):
            continue  # another process took it meanwhile
        row = db.session.get(OutboxMessage, message_id)
        outgoing = Outgoing(row.id, row.channel, row.address, row.subject, row.body)
        # No transaction stays open while the channel answers (SQLite's write lock).
        db.session.commit()
        try:
            sender = senders.get(outgoing.channel)
            if sender is None:
                sender = senders[outgoing.channel] = SENDERS[outgoing.channel](current_app.config)
            sender.send(outgoing)
        except Exception as exc:  # any failure of the channel: keep the row, try again later
            _failed(db.session.get(OutboxMessage, message_id), exc)
            report.failed += 1
            continue
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        message.state = "sent"
        message.sent_dt = utcnow()
        message.last_error = ""
        db.session.commit()
        report.sent += 1
    return report


def pending_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.state != "sent")
        )
        or 0
    )
